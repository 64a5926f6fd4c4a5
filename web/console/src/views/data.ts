// Queries more than one view reads.
import { useQuery } from "@tanstack/react-query";
import { ok, scoringApi, surveyApi, type Ranking, type RankingEntry } from "../api/client";

export const FACTORS = ["service_initiation", "service_advisor", "service_facility", "vehicle_pickup", "service_quality"] as const;

export function useQuestionnaire() {
  return useQuery({
    queryKey: ["questionnaire", "csi-v1"],
    staleTime: Infinity,
    queryFn: async () => ok(await surveyApi.GET("/v1/questionnaires/{code}", { params: { path: { code: "csi-v1" } } })),
  });
}

export function rankingQuery(period: string) {
  return {
    queryKey: ["ranking", period],
    staleTime: 60_000,
    queryFn: async () => {
      const data = ok(await scoringApi.GET("/v1/csi", { params: { query: { period } } })) as Ranking;
      performance.mark("csi:ranking-data");
      return data;
    },
  };
}

export function useRanking(period: string, enabled = true) {
  return useQuery({ ...rankingQuery(period), enabled });
}

/** Every dealer of a ranking, ranked ones first. */
export function allEntries(ranking: Ranking): RankingEntry[] {
  return [...ranking.ranked, ...ranking.small_sample];
}


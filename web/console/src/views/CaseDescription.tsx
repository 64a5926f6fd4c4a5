// A case's description in the reader's language: the parts of a generated one (caseDescription.ts) said with the
// console's messages and the questions' own names; anything a person typed, as typed (text, never markup).
import { labelOf, useI18n } from "../i18n";
import { readGenerated, type Score } from "./caseDescription";
import { useQuestionnaire } from "./data";

export function CaseDescription({ source, description }: { source: string; description: string | null }) {
  const generated = readGenerated(source, description);
  if (!generated) return <p className="user-text">{description}</p>;
  if (generated.source === "survey") return <SurveyDescription d={generated} />;
  return <CallbackDescription d={generated} />;
}

function ScoreList({ scores, name }: { scores: Score[]; name: (code: string) => string }) {
  const { t } = useI18n();
  return <>{scores.map((s) => t("gen.score", { name: name(s.code), score: s.score })).join(t("gen.separator"))}</>;
}

function CallbackDescription({ d }: { d: Extract<ReturnType<typeof readGenerated>, { source: "callback" }> }) {
  const { t } = useI18n();
  return (
    <ul className="generated-description">
      {d.dissatisfiedOnly ? <li>{t("gen.dissatisfied")}</li> : null}
      {d.issue ? (
        <li>
          {t("gen.issue")} <span className="user-text">{d.issue}</span>
        </li>
      ) : null}
      {d.low.length ? (
        <li>
          {t("gen.low")} <ScoreList scores={d.low} name={(code) => labelOf(t, "cbq", code)} />
        </li>
      ) : null}
      {d.unresolved ? <li>{t("gen.unresolved")}</li> : null}
    </ul>
  );
}

function SurveyDescription({ d }: { d: Extract<ReturnType<typeof readGenerated>, { source: "survey" }> }) {
  const { t, lang } = useI18n();
  const questionnaire = useQuestionnaire();
  const itemText = (code: string) => questionnaire.data?.items?.find((i) => i.code === code)?.text[lang] ?? code;
  return (
    <ul className="generated-description">
      <li>{t("gen.survey", { channel: labelOf(t, "rchannel", d.channel), overall: d.overall === "None" ? "—" : d.overall })}</li>
      {d.low.length ? (
        <li>
          {t("gen.lowItems")} <ScoreList scores={d.low} name={itemText} />
        </li>
      ) : null}
      {d.comment ? (
        <li>
          {t("gen.comment")} <span className="user-text">{d.comment}</span>
        </li>
      ) : null}
    </ul>
  );
}

// A second signal about the same visit joins the case as an `added` entry whose note the service writes as
// "[source_ref] <source> <category>: <description>" (complaints/cases.py, _add_to_case).
const ADDED = /^\[[^\]]*\] (manual|survey|callback|hotline) ([\w-]+): ([\s\S]*)$/;

/** A timeline entry's note: the opening one is the case's description, an added one a second signal's. */
export function HistoryNote({ action, source, note }: { action: string; source: string; note: string }) {
  const { t } = useI18n();
  if (action === "open") return <CaseDescription source={source} description={note} />;
  const added = action === "added" ? ADDED.exec(note) : null;
  if (!added) return <p className="user-text">{note}</p>;
  return (
    <>
      <p>
        {labelOf(t, "source", added[1])} · {labelOf(t, "category", added[2])}
      </p>
      <CaseDescription source={added[1]} description={added[3]} />
    </>
  );
}

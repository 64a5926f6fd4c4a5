import { lazy, Suspense, useEffect, useState } from "react";
import { Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { finishSignIn, type OidcConfig } from "./auth/oidc";
import { homeOf, isDealerRole, useSession } from "./auth/session";
import { SignIn } from "./auth/SignIn";
import { useI18n } from "./i18n";
import { Layout } from "./ui/Layout";
import { Loading, Problem } from "./ui/bits";

export type ConsoleConfig = { dev_sign_in: boolean; oidc: OidcConfig | null };

// Each view is its own chunk: a CRA's first load carries no chart library and no ranking table.
const Worklist = lazy(() => import("./views/Worklist"));
const CallScreen = lazy(() => import("./views/CallScreen"));
const AdvisorHome = lazy(() => import("./views/AdvisorHome"));
const ComplaintDesk = lazy(() => import("./views/ComplaintDesk"));
const CasePage = lazy(() => import("./views/CasePage"));
const Reports = lazy(() => import("./views/Reports"));
const CsiCard = lazy(() => import("./views/CsiCard"));
const Ranking = lazy(() => import("./views/Ranking"));
const RegionComplaints = lazy(() => import("./views/RegionComplaints"));
const Integrity = lazy(() => import("./views/Integrity"));
const SurveyCenter = lazy(() => import("./views/SurveyCenter"));
const Privacy = lazy(() => import("./views/Privacy"));

export function App({ config }: { config: ConsoleConfig }) {
  const session = useSession();
  const location = useLocation();
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn config={config} />} />
      <Route path="/auth/callback" element={<OidcCallback config={config} />} />
      <Route
        path="*"
        element={
          session ? (
            <Layout>
              <Suspense fallback={<Loading />}>
                <Routes>
                  <Route path="/" element={<Navigate to={homeOf(session.role)} replace />} />
                  <Route path="/worklist" element={<Worklist />} />
                  <Route path="/calls/:id" element={<CallScreen />} />
                  <Route path="/advisor" element={<AdvisorHome />} />
                  <Route path="/complaints" element={<ComplaintDesk />} />
                  <Route path="/complaints/:id" element={<CasePage />} />
                  <Route path="/reports" element={<Reports />} />
                  <Route path="/dealers/:code/csi" element={<CsiCard />} />
                  <Route
                    path="/csi"
                    element={
                      <Navigate to={isDealerRole(session.role) ? `/dealers/${session.dealers[0]}/csi` : "/ranking"} replace />
                    }
                  />
                  <Route path="/ranking" element={<Ranking />} />
                  <Route path="/oem/complaints" element={<RegionComplaints />} />
                  <Route path="/integrity" element={<Integrity />} />
                  <Route path="/survey-center" element={<SurveyCenter />} />
                  <Route path="/privacy" element={<Privacy />} />
                  <Route path="*" element={<NotFound />} />
                </Routes>
              </Suspense>
            </Layout>
          ) : (
            <Navigate to="/sign-in" replace state={{ from: location.pathname + location.search }} />
          )
        }
      />
    </Routes>
  );
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section>
      <h1>{t("notFound")}</h1>
    </section>
  );
}

function OidcCallback({ config }: { config: ConsoleConfig }) {
  const navigate = useNavigate();
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    if (!config.oidc) return;
    finishSignIn(config.oidc, location.search).then((to) => navigate(to, { replace: true }), setError);
  }, [config.oidc, navigate]);
  return error ? <Problem error={error} /> : <Loading />;
}

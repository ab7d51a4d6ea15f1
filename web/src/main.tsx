// The console's entry (docs/console.md): sign-in with the banner and the
// second factor, the idle lock, the theme, and the screens by path. The
// transparency page is public; everything else needs a session.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, forget, get, redeemSso, signIn, signOut, signedIn, whenSignedOut } from "./api/client";
import type { Me } from "./api/types";
import { has } from "./format";
import { linkClick, navigate, usePath } from "./router";
import { AdminScreen } from "./screens/Admin";
import { AuditScreen } from "./screens/Audit";
import { BolosScreen } from "./screens/Bolos";
import { DeconflictionScreen } from "./screens/Deconfliction";
import { DispatchScreen } from "./screens/Dispatch";
import { IntelligenceScreen } from "./screens/Intelligence";
import { OutcomesScreen } from "./screens/Outcomes";
import { DisparityScreen } from "./screens/Disparity";
import { HitsBoard } from "./screens/Hits";
import { HotlistsScreen } from "./screens/Hotlists";
import { RecordsScreen } from "./screens/Records";
import { ReviewScreen } from "./screens/Review";
import { SearchScreen } from "./screens/Search";
import { TransparencyScreen } from "./screens/Transparency";
import icon from "./icon.svg";
import "./style.css";

// The console locks itself after this long without a key or a click; the
// server ends idle sessions at 30 minutes regardless.
const IDLE_MS = 15 * 60 * 1000;

function SignIn(props: { onDone: () => void; locked: string }) {
  const [banner, setBanner] = useState("");
  const [version, setVersion] = useState("");
  const [accepted, setAccepted] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    get("/api/v1/auth/banner").then(
      (b) => {
        setBanner(b.banner);
        setVersion(b.version);
      },
      () => setBanner(""),
    );
  }, []);
  // Back from the agency's identity provider: the ticket is in the fragment,
  // which browsers never send to a server. It is taken out of the address bar
  // at once and redeemed once the banner is accepted.
  // The buttons wait for the banner's version: a sign-in names the notice
  // accepted, and one sent before it loaded would name none (a 403).
  const [ticket] = useState(() => {
    const m = /[#&]sso_ticket=([0-9a-f]{64})/.exec(location.hash);
    if (m) history.replaceState(null, "", location.pathname + location.search);
    return m ? m[1] : "";
  });
  const [needCode, setNeedCode] = useState(false);
  async function finishSso(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError("");
    try {
      await redeemSso(ticket, version, needCode ? String(f.get("code")) : undefined);
      props.onDone();
    } catch (err) {
      if (err instanceof ApiError && err.code === "mfa_required") setNeedCode(true);
      setError(err instanceof ApiError ? err.message : "The server did not answer.");
    } finally {
      setBusy(false);
    }
  }
  function startSso(e: Event) {
    e.preventDefault();
    const agency = String(new FormData(e.currentTarget as HTMLFormElement).get("agency")).trim().toUpperCase();
    if (agency) location.assign(`/api/v1/auth/sso/${encodeURIComponent(agency)}/start?return=/`);
  }
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError("");
    try {
      // The server records which banner the person accepted, and refuses a
      // sign-in without the current one.
      await signIn(String(f.get("username")), String(f.get("password")), String(f.get("code")), version);
      props.onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The server did not answer.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <main class="signin">
      <h1>
        <img src={icon} alt="" width={28} height={28} /> Interdict
      </h1>
      {props.locked && (
        <p class="notice" role="status">
          {props.locked}
        </p>
      )}
      <section class="banner" aria-label="System use notice">
        <p>{banner}</p>
        <label>
          <input type="checkbox" checked={accepted} onChange={() => setAccepted(!accepted)} /> I understand and accept
        </label>
      </section>
      {ticket ? (
        <form onSubmit={finishSso} aria-label="Finish single sign-on">
          <p>Your agency's identity provider signed you in. Accept the notice above to continue.</p>
          {needCode && (
            <label>
              Code from your Interdict authenticator{" "}
              <input name="code" inputMode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required autoFocus />
            </label>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" class="primary" disabled={!accepted || busy || !version}>
            Continue
          </button>
        </form>
      ) : (
        <form onSubmit={startSso} aria-label="Sign in with your agency's identity provider">
          <label>
            Agency code <input name="agency" autocomplete="organization" required />
          </label>
          <button type="submit" disabled={!accepted}>
            Use your agency's identity provider
          </button>
        </form>
      )}
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          Username <input name="username" autocomplete="username" required autoFocus />
        </label>
        <label>
          Password <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <label>
          Code from your authenticator <input name="code" inputMode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={!accepted || busy || !version}>
          Sign in
        </button>
      </form>
      <p>
        <a href="/transparency" onClick={linkClick}>
          Public transparency report
        </a>
      </p>
    </main>
  );
}

type Theme = "auto" | "light" | "dark";
// The chosen theme; "auto" follows the system's preference as it changes.
function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>((localStorage.getItem("interdict.theme") as Theme) ?? "auto");
  useEffect(() => {
    localStorage.setItem("interdict.theme", theme);
    const system = matchMedia("(prefers-color-scheme: dark)");
    const apply = () => {
      document.documentElement.dataset.theme = theme === "auto" ? (system.matches ? "dark" : "light") : theme;
    };
    apply();
    system.addEventListener("change", apply);
    return () => system.removeEventListener("change", apply);
  }, [theme]);
  return [theme, setTheme];
}

const SCREENS: [string, string, string][] = [
  ["/hits", "Live hits", "hits.read"],
  ["/search", "Search", "search.reads"],
  ["/dispatch", "Dispatch", "units.read"],
  ["/deconfliction", "Deconfliction", "operations.read"],
  ["/bolos", "BOLOs", "bolos.read"],
  ["/intel", "Intelligence", "intel.read"],
  ["/hotlists", "Hotlists", "hotlists.read"],
  ["/admin", "Administration", "agency.read"],
  ["/audit", "Audit", "audit.read"],
  ["/review", "Review", "audit.review"],
  ["/disparity", "Disparity", "audit.review"],
  ["/outcomes", "Outcomes", "outcomes.read"],
  ["/records", "Resident requests", "records.respond"],
  ["/transparency", "Transparency", ""],
];

function Shell(props: { me: Me; onSignOut: () => void; theme: Theme; setTheme: (t: Theme) => void }) {
  const path = usePath();
  const { theme, setTheme } = props;
  const { me } = props;
  const can = (p: string) => !p || has(me.permissions, p);
  const screens = SCREENS.filter(([, , p]) => can(p));
  useEffect(() => {
    if (path === "/" || !screens.some(([s]) => path.startsWith(s))) navigate(screens[0][0]);
  }, [path]);
  const hit = /^\/hits\/(\d+)$/.exec(path);
  let screen = null;
  if (path.startsWith("/hits") && can("hits.read")) screen = <HitsBoard selected={hit ? Number(hit[1]) : null} canWork={can("hits.work")} canDispatch={can("hits.dispatch")} canSeeUnits={can("units.read")} />;
  else if (path === "/search" && can("search.reads"))
    screen = <SearchScreen canPatterns={can("search.patterns")} canApprove={can("search.approve")} agency={me.agency} canBolos={can("bolos.read")} />;
  else if (path === "/dispatch" && can("units.read"))
    screen = <DispatchScreen canManage={can("units.manage")} canConfirm={can("hotlists.confirm")} />;
  else if (path === "/deconfliction" && can("operations.read"))
    screen = <DeconflictionScreen canManage={can("operations.manage")} canWatch={can("conflicts.watch")} />;
  else if (path === "/bolos" && can("bolos.read"))
    screen = <BolosScreen agency={me.agency} canIssue={can("bolos.issue")} />;
  else if (path === "/intel" && can("intel.read"))
    screen = <IntelligenceScreen agency={me.agency} username={me.username} canSubmit={can("intel.submit")} canApprove={can("intel.approve")} />;
  else if (path === "/hotlists" && can("hotlists.read")) screen = <HotlistsScreen agency={me.agency} permissions={me.permissions} />;
  else if (path === "/admin" && can("agency.read")) screen = <AdminScreen permissions={me.permissions} agency={me.agency} />;
  else if (path === "/audit" && can("audit.read")) screen = <AuditScreen />;
  else if (path === "/review" && can("audit.review")) screen = <ReviewScreen />;
  else if (path === "/disparity" && can("audit.review")) screen = <DisparityScreen />;
  else if (path === "/outcomes" && can("outcomes.read"))
    screen = <OutcomesScreen canManage={can("outcomes.manage")} canPublish={can("outcomes.publish")} />;
  else if (path === "/records" && can("records.respond")) screen = <RecordsScreen />;
  else if (path === "/transparency") screen = <TransparencyScreen />;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">
          <img src={icon} alt="" width={22} height={22} /> Interdict
        </strong>
        <nav aria-label="Screens">
          {screens.map(([p, label]) => (
            <a key={p} href={p} onClick={linkClick} aria-current={path.startsWith(p) ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.username} · {me.agency} · {me.role}
        </span>
        <label class="theme">
          <span class="sr">Theme</span>
          <select value={theme} onChange={(e) => setTheme((e.target as HTMLSelectElement).value as Theme)} aria-label="Theme">
            <option value="auto">Auto</option>
            <option value="light">Day</option>
            <option value="dark">Night</option>
          </select>
        </label>
        <button onClick={props.onSignOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        {screen}
      </main>
    </>
  );
}

function App() {
  const path = usePath();
  const [me, setMe] = useState<Me | null>(null);
  const [inside, setInside] = useState(signedIn());
  const [locked, setLocked] = useState("");
  const [theme, setTheme] = useTheme();

  useEffect(() => {
    whenSignedOut(() => {
      setInside(false);
      setMe(null);
      setLocked("Your session ended. Sign in again to go on.");
    });
  }, []);

  useEffect(() => {
    if (!inside) return;
    get("/api/v1/me").then(setMe, () => undefined);
  }, [inside]);

  // The idle lock: any key, click or touch resets it.
  useEffect(() => {
    if (!inside) return;
    let timer = setTimeout(lock, IDLE_MS);
    function lock() {
      forget();
      setInside(false);
      setMe(null);
      setLocked("Locked after 15 minutes without activity. Sign in again to go on.");
    }
    const reset = () => {
      clearTimeout(timer);
      timer = setTimeout(lock, IDLE_MS);
    };
    const events = ["keydown", "pointerdown", "wheel"];
    events.forEach((e) => addEventListener(e, reset, { passive: true }));
    return () => {
      clearTimeout(timer);
      events.forEach((e) => removeEventListener(e, reset));
    };
  }, [inside]);

  if (!inside) {
    if (path === "/transparency") {
      return (
        <>
          <header class="top">
            <strong class="brand">
              <img src={icon} alt="" width={22} height={22} /> Interdict
            </strong>
            <nav aria-label="Screens">
              <a href="/" onClick={linkClick}>
                Sign in
              </a>
            </nav>
          </header>
          <main id="main">
            <TransparencyScreen />
          </main>
        </>
      );
    }
    return (
      <SignIn
        locked={locked}
        onDone={() => {
          setLocked("");
          setInside(true);
        }}
      />
    );
  }
  if (!me) return <p class="muted">Loading…</p>;
  return (
    <Shell
      me={me}
      theme={theme}
      setTheme={setTheme}
      onSignOut={() => {
        void signOut().finally(() => {
          setInside(false);
          setMe(null);
          navigate("/");
        });
      }}
    />
  );
}

render(<App />, document.getElementById("app")!);

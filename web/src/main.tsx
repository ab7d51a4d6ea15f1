// The console's entry: sign-in with the banner and the second factor, then the
// screens (docs/console.md). This first part is the sign-in.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, call, forget, signIn, signedIn } from "./api/client";
import "./style.css";

function SignIn(props: { onDone: () => void }) {
  const [banner, setBanner] = useState("");
  const [accepted, setAccepted] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    call<{ banner: string }>("GET", "/api/v1/auth/banner")
      .then((b) => setBanner(b.banner))
      .catch(() => setBanner(""));
  }, []);
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError("");
    try {
      await signIn(String(f.get("username")), String(f.get("password")), String(f.get("code")));
      props.onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The server did not answer.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <main class="signin">
      <h1>Interdict</h1>
      <section class="banner" aria-label="System use notice">
        <p>{banner}</p>
        <label>
          <input type="checkbox" checked={accepted} onChange={() => setAccepted(!accepted)} /> I
          understand and accept
        </label>
      </section>
      <form onSubmit={submit} aria-label="Sign in">
        <label>
          Username <input name="username" autocomplete="username" required />
        </label>
        <label>
          Password <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <label>
          Code from your authenticator{" "}
          <input name="code" inputMode="numeric" pattern="[0-9]{6}" autocomplete="one-time-code" required />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={!accepted || busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function App() {
  const [inside, setInside] = useState(signedIn());
  if (!inside) return <SignIn onDone={() => setInside(true)} />;
  return (
    <main>
      <p>Signed in.</p>
      <button
        onClick={() => {
          forget();
          setInside(false);
        }}
      >
        Sign out
      </button>
    </main>
  );
}

render(<App />, document.getElementById("app")!);

// BOLOs (docs/console.md, "BOLOs"; docs/format/intel.md): the bulletins the
// agency may see — its own, and those addressed to it under a bolos
// agreement — with a lookup by plate or vehicle, and for those who issue
// them: the form, renewal and cancellation. A plate BOLO's alert waits for a
// second person (the list's approval on the Hotlists screen); a BOLO without
// a plate lists the reads whose vehicle matched it (weak matches).
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, imageUrl, post, sendFile } from "../api/client";
import type { Bolo } from "../api/types";
import { when } from "../format";

const KINDS = ["stolen_vehicle", "wanted_person", "missing_person", "officer_safety", "other"] as const;
const words = (s: string) => s.replace(/_/g, " ");
const failed = (e: unknown) => (e instanceof ApiError ? e.message : "The server did not answer.");

export function BolosScreen(props: { agency: string; canIssue: boolean }) {
  const [bolos, setBolos] = useState<Bolo[] | null>(null);
  const [error, setError] = useState("");
  const [query, setQuery] = useState("");
  const load = (q = query) =>
    get("/api/v1/bolos", { query: q }).then(
      (b) => setBolos(b.bolos),
      (e) => setError(failed(e)),
    );
  useEffect(() => {
    void load();
  }, []);

  function lookup(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    for (const k of ["plate", "make", "color"]) {
      const v = String(f.get(k) ?? "").trim();
      if (v) q.set(k, v);
    }
    setQuery(q.toString());
    setError("");
    void load(q.toString());
  }

  async function act(b: Bolo, what: "renew" | "cancel") {
    setError("");
    try {
      if (what === "renew") await post("/api/v1/bolos/{id}/renew", { path: { id: b.id } });
      else await post("/api/v1/bolos/{id}/cancel", { path: { id: b.id } });
      await load();
    } catch (e) {
      setError(failed(e));
    }
  }

  return (
    <section aria-labelledby="bolos-title">
      <h2 id="bolos-title">BOLOs</h2>
      <form class="row wrap" onSubmit={lookup} aria-label="Look up BOLOs">
        <label>
          Plate <input name="plate" maxLength={10} />
        </label>
        <label>
          Make <input name="make" maxLength={40} />
        </label>
        <label>
          Colour <input name="color" maxLength={40} />
        </label>
        <button>Look up</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {bolos === null ? (
        <p class="muted">Loading bulletins…</p>
      ) : bolos.length === 0 ? (
        <p class="muted">{query ? "No bulletin matches." : "No bulletins in force."}</p>
      ) : (
        <ul class="stack bulletins" aria-label="Bulletins">
          {bolos.map((b) => (
            <li key={b.id} data-bolo={b.id}>
              <article class="card" aria-labelledby={`bolo-${b.id}`}>
                <h3 id={`bolo-${b.id}`}>
                  BOLO {b.id}: {words(b.kind)} ({b.agency})
                </h3>
                {b.photo && <BoloPhoto id={b.id} />}
                <p>{b.narrative}</p>
                <dl>
                  {(b.plate || b.make || b.model || b.color || b.body) && (
                    <>
                      <dt>Vehicle</dt>
                      <dd>
                        {[b.plate && `${b.plate}${b.plate_state ? ` (${b.plate_state})` : ""}`, b.color, b.make, b.model, b.body].filter(Boolean).join(" ")}
                        {b.marks ? `; ${b.marks}` : ""}
                      </dd>
                    </>
                  )}
                  {b.person && (
                    <>
                      <dt>Person</dt>
                      <dd>{b.person}</dd>
                    </>
                  )}
                  <dt>Contact</dt>
                  <dd>
                    {b.contact_name}, <a href={`tel:${b.contact_phone}`}>{b.contact_phone}</a> ({b.agency_name})
                  </dd>
                  <dt>Audience</dt>
                  <dd>{b.audience.join(", ")}</dd>
                  <dt>Expires</dt>
                  <dd>
                    {when(b.expires_at)} ({b.status})
                  </dd>
                  {b.plate && (
                    <>
                      <dt>Plate alert</dt>
                      <dd data-field="plate-alert">{b.plate_alert === "pending" ? "awaiting a second person's approval (Hotlists)" : b.plate_alert}</dd>
                    </>
                  )}
                </dl>
                {b.agency === props.agency && !b.plate && (b.make || b.model || b.color || b.body) && (
                  <p>
                    Weak matches (reads whose vehicle matched): {b.sightings.length === 0 ? "none yet" : b.sightings.map((s) => `${s.plate} at ${s.agency}/${s.camera}, ${when(s.time)}`).join("; ")}
                  </p>
                )}
                {props.canIssue && b.agency === props.agency && b.status === "active" && (
                  <p>
                    <button onClick={() => act(b, "renew")} aria-label={`Renew 30 days: BOLO ${b.id}`}>
                      Renew 30 days
                    </button>{" "}
                    <button onClick={() => act(b, "cancel")} aria-label={`Cancel BOLO ${b.id}`}>
                      Cancel
                    </button>
                  </p>
                )}
              </article>
            </li>
          ))}
        </ul>
      )}
      {props.canIssue && (
        <IssueBolo
          onDone={() => {
            // The new bulletin shows whatever was looked up before.
            setQuery("");
            void load("");
          }}
        />
      )}
    </section>
  );
}

function BoloPhoto(props: { id: number }) {
  const [url, setUrl] = useState("");
  useEffect(() => {
    let made = "";
    imageUrl("/api/v1/bolos/{id}/photo", { path: { id: props.id } }).then(
      (u) => setUrl((made = u)),
      () => setUrl(""),
    );
    return () => made && URL.revokeObjectURL(made);
  }, [props.id]);
  return url ? <img class="bolo-photo" src={url} alt={`Photo of BOLO ${props.id}`} /> : null;
}

function IssueBolo(props: { onDone: () => void }) {
  const [error, setError] = useState("");
  const [said, setSaid] = useState("");
  async function submit(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const text = (k: string) => String(f.get(k) ?? "").trim();
    setError("");
    setSaid("");
    try {
      const audience = text("audience")
        .split(/[\s,]+/)
        .map((a) => a.toUpperCase())
        .filter(Boolean);
      const made = await post("/api/v1/bolos", {
        body: {
          kind: text("kind"),
          narrative: text("narrative"),
          plate: text("plate"),
          plate_state: text("plate_state").toUpperCase(),
          make: text("make"),
          model: text("model"),
          color: text("color"),
          body: text("body"),
          marks: text("marks"),
          person: text("person"),
          contact_name: text("contact"),
          contact_phone: text("phone"),
          audience: audience.length ? audience : ["region"],
        },
      });
      const photo = f.get("photo");
      if (photo instanceof File && photo.size > 0) await sendFile("/api/v1/bolos/{id}/photo", photo, { path: { id: made.id } });
      setSaid(
        made.plate
          ? `BOLO ${made.id} issued; its plate alert waits for a second person's approval (Hotlists, list ${made.list}).`
          : `BOLO ${made.id} issued.`,
      );
      form.reset();
      props.onDone();
    } catch (err) {
      setError(failed(err));
    }
  }
  return (
    <form class="work" onSubmit={submit} aria-labelledby="issue-bolo">
      <h3 id="issue-bolo">Issue a BOLO</h3>
      <label>
        Kind{" "}
        <select name="kind">
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {words(k)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Narrative <textarea name="narrative" rows={3} required maxLength={4000} />
      </label>
      <label>
        Plate (optional) <input name="plate" maxLength={10} />
      </label>
      <label>
        Plate state <input name="plate_state" maxLength={2} placeholder="MO" />
      </label>
      <label>
        Vehicle make <input name="make" maxLength={40} />
      </label>
      <label>
        Vehicle model <input name="model" maxLength={40} />
      </label>
      <label>
        Vehicle colour <input name="color" maxLength={40} />
      </label>
      <label>
        Body (sedan, SUV, pickup…) <input name="body" maxLength={40} />
      </label>
      <label>
        Distinctive marks <input name="marks" maxLength={500} />
      </label>
      <label>
        Person's description <textarea name="person" rows={2} maxLength={2000} />
      </label>
      <label>
        Photo (JPEG or PNG, at most 2 MiB) <input name="photo" type="file" accept="image/jpeg,image/png" />
      </label>
      <label>
        Contact name <input name="contact" required maxLength={100} />
      </label>
      <label>
        Contact phone <input name="phone" type="tel" required />
      </label>
      <label>
        Audience (agency codes; empty: the region) <input name="audience" />
      </label>
      <p>
        <button class="primary">Issue BOLO</button>
      </p>
      {said && <p role="status">{said}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

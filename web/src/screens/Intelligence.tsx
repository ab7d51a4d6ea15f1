// Criminal intelligence records (docs/console.md, "Intelligence";
// docs/intelligence.md): the records the person may see, one opened with its
// predicate, source and statements, and the acts 28 CFR Part 23 allows on it
// — approval by a supervisor who did not submit it, refusal, dissemination
// to a person with a need and a right to know, an imminent-danger
// disclosure, the dissemination log, re-validation and purge — and the form
// that submits one (refused, with the words named, when it speaks of views
// or associations without saying how they relate to the crime).
import { useEffect, useState } from "preact/hooks";
import { ApiError, get, post } from "../api/client";
import type { Dissemination, IntelRecord } from "../api/types";
import { when } from "../format";

const failed = (e: unknown) => (e instanceof ApiError ? e.message : "The server did not answer.");
const words = (s: string) => s.replace(/_/g, " ");

export function IntelligenceScreen(props: { agency: string; username: string; canSubmit: boolean; canApprove: boolean }) {
  const [records, setRecords] = useState<IntelRecord[] | null>(null);
  const [open, setOpen] = useState<IntelRecord | null>(null);
  const [error, setError] = useState("");
  const load = () =>
    get("/api/v1/intel/records").then(
      (r) => setRecords(r.records),
      (e) => setError(failed(e)),
    );
  useEffect(() => {
    void load();
  }, []);
  async function show(id: number) {
    setError("");
    try {
      setOpen(await get("/api/v1/intel/records/{id}", { path: { id } }));
    } catch (e) {
      setError(failed(e));
    }
  }
  const refresh = async (id: number) => {
    await load();
    await show(id);
  };
  return (
    <section aria-labelledby="intel-title">
      <h2 id="intel-title">Intelligence</h2>
      <p class="muted">Criminal intelligence records under 28 CFR Part 23: a criminal predicate, a named source, a second person's approval, dissemination only with a need and a right to know, a review every five years.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {records === null ? (
        <p class="muted">Loading records…</p>
      ) : records.length === 0 ? (
        <p class="muted">No records you may see.</p>
      ) : (
        <table aria-label="Records">
          <thead>
            <tr>
              <th scope="col">Record</th>
              <th scope="col">State</th>
              <th scope="col">Subject</th>
              <th scope="col">Activity</th>
              <th scope="col">Review due</th>
            </tr>
          </thead>
          <tbody>
            {records.map((r) => (
              <tr key={r.id} data-record={r.id}>
                <th scope="row">
                  <button class="link" onClick={() => show(r.id)}>
                    {r.agency} {r.id}
                  </button>
                </th>
                <td>{r.state}</td>
                <td>
                  {r.subject_kind}: {r.subject}
                </td>
                <td>{r.activity}</td>
                <td>{when(r.review_due_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && <Record record={open} {...props} onChange={() => refresh(open.id)} say={setError} />}
      {props.canSubmit && <Submit onDone={(id) => refresh(id)} />}
    </section>
  );
}

function Record(props: {
  record: IntelRecord;
  agency: string;
  username: string;
  canApprove: boolean;
  onChange: () => void;
  say: (s: string) => void;
}) {
  const r = props.record;
  const own = r.agency === props.agency;
  const [log, setLog] = useState<Dissemination[] | null>(null);
  const [done, setDone] = useState("");
  useEffect(() => {
    setLog(null);
    setDone("");
    if (own && r.state !== "submitted") void get("/api/v1/intel/records/{id}/disseminations", { path: { id: r.id } }).then((l) => setLog(l.disseminations), () => setLog([]));
  }, [r]); // every fetch of the record, so an act's release shows at once
  // One act: a form's fields to the route, then the record again.
  const act = (path: string, fields: string[], message: string) => async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const body: Record<string, string> = {};
    for (const k of fields) body[k] = String(f.get(k) ?? "");
    props.say("");
    try {
      // The routes are typed by template; these share one shape.
      await post(`/api/v1/intel/records/{id}/${path}` as "/api/v1/intel/records/{id}/approve", { path: { id: r.id }, body });
      setDone(message);
      props.onChange();
    } catch (err) {
      props.say(failed(err));
    }
  };
  return (
    <article class="card" aria-labelledby="record-title">
      <h3 id="record-title">
        Record {r.agency} {r.id}: {r.activity || "(no content)"} ({r.state})
      </h3>
      <dl>
        <dt>Subject</dt>
        <dd>
          {r.subject_kind}: {r.subject}
        </dd>
        <dt>Criminal predicate</dt>
        <dd>{r.predicate}</dd>
        {r.narrative && (
          <>
            <dt>Narrative</dt>
            <dd>{r.narrative}</dd>
          </>
        )}
        <dt>Source</dt>
        <dd>
          {r.source} ({words(r.reliability)})
        </dd>
        {r.first_amendment && (
          <>
            <dt>How first-amendment information relates to the crime</dt>
            <dd>
              {r.first_amendment}
              {r.approval_statement && <> — approver: {r.approval_statement}</>}
            </dd>
          </>
        )}
        <dt>Submitted</dt>
        <dd>
          {when(r.submitted_at)} by {r.submitted_by}
          {r.approved_at && `; approved ${when(r.approved_at)} by ${r.approved_by}`}
        </dd>
        <dt>Review due</dt>
        <dd>{when(r.review_due_at)}</dd>
      </dl>
      {done && <p role="status">{done}</p>}
      {own && r.state === "submitted" && props.canApprove && r.submitted_by !== props.username && (
        <>
          <form class="work" onSubmit={act("approve", ["statement"], "Approved.")} aria-label="Approve the record">
            {r.first_amendment && (
              <label>
                Your statement of how it relates to the crime <textarea name="statement" rows={2} required minLength={50} />
              </label>
            )}
            <button class="primary">Approve</button>
          </form>
          <form class="work" onSubmit={act("refuse", ["reason"], "Refused; its content is destroyed.")} aria-label="Refuse the record">
            <label>
              Reason for refusing <input name="reason" required minLength={10} />
            </label>
            <button>Refuse</button>
          </form>
        </>
      )}
      {own && r.state === "approved" && (
        <>
          <form class="work" onSubmit={act("disseminate", ["to", "purpose"], "Released, and logged.")} aria-label="Disseminate the record">
            <label>
              To (username) <input name="to" required />
            </label>
            <label>
              Need to know <input name="purpose" required minLength={20} />
            </label>
            <button>Disseminate</button>
          </form>
          <form class="work" onSubmit={act("disclose", ["recipient", "reason"], "Disclosed, logged and flagged for review.")} aria-label="Disclose to protect life">
            <label>
              Recipient <input name="recipient" required />
            </label>
            <label>
              The imminent danger <input name="reason" required minLength={20} />
            </label>
            <button>Disclose to protect life</button>
          </form>
          {props.canApprove && (
            <>
              <form class="work" onSubmit={act("revalidate", ["justification"], "Valid for another five years.")} aria-label="Re-validate the record">
                <label>
                  New justification <textarea name="justification" rows={2} required minLength={50} />
                </label>
                <button>Re-validate</button>
              </form>
              <form class="work" onSubmit={act("purge", ["reason"], "Purged; every recipient is told.")} aria-label="Purge the record">
                <label>
                  Reason for purging <input name="reason" required minLength={10} />
                </label>
                <button>Purge</button>
              </form>
            </>
          )}
        </>
      )}
      {log && (
        <section aria-labelledby="log-title">
          <h4 id="log-title">Dissemination log</h4>
          {log.length === 0 ? (
            <p class="muted">Not disseminated.</p>
          ) : (
            <ul aria-label="Releases">
              {log.map((d) => (
                <li key={d.id}>
                  {when(d.at)}: {d.recipient} — {d.purpose} (by {d.by}){d.imminent_danger ? " — imminent danger, flagged for review" : ""}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </article>
  );
}

function Submit(props: { onDone: (id: number) => void }) {
  const [error, setError] = useState("");
  async function submit(e: Event) {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const text = (k: string) => String(f.get(k) ?? "");
    setError("");
    try {
      const made = await post("/api/v1/intel/records", {
        body: {
          subject_kind: text("subject_kind"),
          subject: text("subject"),
          activity: text("activity"),
          predicate: text("predicate"),
          narrative: text("narrative"),
          source: text("source"),
          reliability: text("reliability"),
          ...(text("first_amendment").trim() ? { first_amendment: text("first_amendment") } : {}),
        },
      });
      form.reset();
      props.onDone(made.id);
    } catch (err) {
      setError(failed(err));
    }
  }
  return (
    <form class="work" onSubmit={submit} aria-labelledby="submit-record">
      <h3 id="submit-record">Submit a record</h3>
      <label>
        Subject kind{" "}
        <select name="subject_kind">
          <option value="person">person</option>
          <option value="organization">organization</option>
          <option value="vehicle">vehicle</option>
        </select>
      </label>
      <label>
        Subject (identifiers) <input name="subject" required maxLength={2000} />
      </label>
      <label>
        Suspected criminal activity <input name="activity" required maxLength={200} />
      </label>
      <label>
        Criminal predicate (the reasonable suspicion, at least 100 characters) <textarea name="predicate" rows={3} required minLength={100} maxLength={4000} />
      </label>
      <label>
        Narrative <textarea name="narrative" rows={3} maxLength={8000} />
      </label>
      <label>
        Source <input name="source" required maxLength={200} />
      </label>
      <label>
        Reliability{" "}
        <select name="reliability">
          <option value="reliable">reliable</option>
          <option value="usually_reliable">usually reliable</option>
          <option value="unknown">unknown</option>
          <option value="unreliable">unreliable</option>
        </select>
      </label>
      <label>
        If it speaks of views, beliefs or associations: how they relate directly to the crime <textarea name="first_amendment" rows={2} maxLength={2000} />
      </label>
      <p>
        <button class="primary">Submit for approval</button>
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

// Residents' requests (docs/oversight.md, section 4): a clerk asks what the
// agency holds on a plate and reads the answer back to the resident — how
// many reads, from which days, when they will be deleted, what keeps any
// longer — never where or when exactly. Each request is in the audit trail.
import { useState } from "preact/hooks";
import { ApiError, post } from "../api/client";
import type { ResidentAnswer } from "../api/types";

type Answer = ResidentAnswer;

export function RecordsScreen() {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState("");
  async function submit(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    setError("");
    try {
      setAnswer(
        await post("/api/v1/resident-requests", { body: {
          plate: f.get("plate"),
          state: f.get("state") || undefined,
          requester: f.get("requester"),
          reference: f.get("reference"),
        } }),
      );
    } catch (err) {
      setAnswer(null);
      setError(err instanceof ApiError ? err.message : "The server did not answer.");
    }
  }
  const a = answer;
  return (
    <div class="page">
      <h2>Resident requests</h2>
      <form class="stack narrow" onSubmit={submit} aria-label="Resident request">
        <div class="grid2">
          <label>
            Plate <input name="plate" required maxLength={12} />
          </label>
          <label>
            State <input name="state" placeholder="MO" maxLength={5} />
          </label>
        </div>
        <label>
          Who asked <input name="requester" required maxLength={200} />
        </label>
        <label>
          Request number <input name="reference" required maxLength={64} />
        </label>
        <button class="primary">Look up what is held</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {a && (
        <section class="card" aria-label="Answer" role="status">
          <h3>
            {a.agency} on plate <span class="plate">{a.plate}</span> (request {a.reference})
          </h3>
          {a.reads.count === 0 ? (
            <p>No reads of this plate are held.</p>
          ) : (
            <p>
              {a.reads.more_than ? "More than " : ""}
              {a.reads.count} reads are held, captured from {a.reads.first_day} to {a.reads.last_day}.{" "}
              {a.reads.deleted_from
                ? `Under the ${a.reads.retention_days}-day retention they will be deleted between ${a.reads.deleted_from} and ${a.reads.deleted_by}.`
                : "No retention rule is set yet, so none is scheduled for deletion."}
              {a.reads.held > 0 && ` ${a.reads.held} of them are kept longer by a legal hold.`}
            </p>
          )}
          <p>
            {a.hits.count === 0
              ? "No alert has named this plate."
              : `${a.hits.count} alerts named this plate; their records are kept${a.hits.kept_until ? ` until ${a.hits.kept_until}` : ""}.`}
          </p>
          {a.holds.map((h) => (
            <p key={h.id}>
              Hold {h.id}: {h.basis}, until {h.expires_at.slice(0, 10)}.
            </p>
          ))}
          <p class="muted">This request is recorded in the audit trail.</p>
        </section>
      )}
    </div>
  );
}

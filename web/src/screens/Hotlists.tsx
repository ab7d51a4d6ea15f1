// Hotlists (docs/console.md): the lists the agency owns or receives, with
// their age; a file is checked (nothing stored) and its report shown before
// it is loaded; pending custom entries are approved by another person; the
// NCIC files the agency enabled.
import { useEffect, useState } from "preact/hooks";
import { type Answer, ApiError, get, post, sendText } from "../api/client";
import type { Hotlist, HotlistEntry } from "../api/types";
import { ago, has, when } from "../format";
import { THead } from "../ui/THead";

type Report = Answer<"/api/v1/hotlists/{id}/check", "post">;
type Kinds = Answer<"/api/v1/hotlist-kinds", "get">;
type Kind = Kinds["kinds"][number];
type KindRequest = Kinds["requests"][number];

export function HotlistsScreen(props: { agency: string; permissions: string[] }) {
  const [lists, setLists] = useState<Hotlist[]>([]);
  const [open, setOpen] = useState<Hotlist | null>(null);
  const [kinds, setKinds] = useState<Kind[]>([]);
  const [requests, setRequests] = useState<KindRequest[]>([]);
  const [msg, setMsg] = useState("");
  const reload = () => {
    get("/api/v1/hotlists").then((r) => setLists(r.hotlists), (e) => setMsg(e.message));
    get("/api/v1/hotlist-kinds").then(
      (r) => {
        setKinds(r.kinds);
        setRequests(r.requests);
      },
      () => {},
    );
  };
  useEffect(reload, []);
  const can = (p: string) => has(props.permissions, p);

  async function approve(id: number) {
    try {
      const r = await post("/api/v1/hotlists/{id}/approve", { path: { id } });
      setMsg(`Approved ${r.approved} entries.`);
      reload();
    } catch (e) {
      setMsg(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }

  async function toggle(k: Kind) {
    try {
      const r = await post("/api/v1/hotlist-kinds", { body: k.enabled ? { disable: [k.kind] } : { enable: [k.kind] } });
      if (r.requests.length > 0) setMsg(`Asked to turn on ${k.kind}: the other of a supervisor and an administrator must approve.`);
      reload();
    } catch (e) {
      setMsg(e instanceof ApiError ? e.message : "The server did not answer.");
    }
  }

  async function create(e: Event) {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    try {
      await post("/api/v1/hotlists", { body: { name: f.get("name"), kind: f.get("kind"), priority: Number(f.get("priority")) } });
      setMsg(`Created list ${String(f.get("name"))}.`);
      (e.currentTarget as HTMLFormElement).reset();
      reload();
    } catch (err) {
      setMsg(err instanceof ApiError ? err.message : "The server did not answer.");
    }
  }

  const own = lists.filter((l) => l.agency === props.agency);
  return (
    <div class="page">
      <h2>Hotlists</h2>
      {msg && (
        <p class="notice" role="status">
          {msg}
        </p>
      )}
      <table class="data">
        <THead cols={["List", "Owner", "Kind", "Priority", "Entries", "Pending approval", "Age", "Hits go to"]} />
        <tbody>
          {lists.map((l) => (
            <tr key={l.id}>
              <td>
                {l.agency === props.agency ? (
                  <button class="link" onClick={() => setOpen(l)} aria-expanded={open?.id === l.id}>
                    {l.name}
                  </button>
                ) : (
                  l.name
                )}
              </td>
              <td>{l.agency}</td>
              <td>{l.kind}</td>
              <td>P{l.priority}</td>
              <td>{l.entries}</td>
              <td>
                {l.pending}
                {l.pending > 0 && l.agency === props.agency && can("hotlists.approve") && (
                  <button onClick={() => approve(l.id)}>Approve pending</button>
                )}
              </td>
              <td class={l.stale ? "warn" : ""}>
                {l.published_at ? `${ago(l.age_s)}${l.stale ? " — stale" : ""}` : "never loaded"}
              </td>
              <td>{l.audience.length ? l.audience.join(", ") : "owner only"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && <Entries list={open} canApprove={can("hotlists.approve")} onApprove={() => approve(open.id)} key={`${open.id}/${open.generation}/${open.pending}`} />}
      {can("hotlists.load") && own.length > 0 && <Import lists={own} onLoaded={reload} />}
      {can("hotlists.manage") && (
        <form class="stack narrow" onSubmit={create} aria-label="New hotlist">
          <h3>New list</h3>
          <label>
            Name <input name="name" required maxLength={100} />
          </label>
          <label>
            Kind
            <select name="kind">
              <option value="custom">custom (entries need a reason, a case and a second person; expire within 30 days)</option>
              <option value="ncic">ncic (NCIC or state extract)</option>
            </select>
          </label>
          <label>
            Priority
            <select name="priority">
              <option value="1">P1</option>
              <option value="2" selected>
                P2
              </option>
              <option value="3">P3</option>
            </select>
          </label>
          <button>Create</button>
        </form>
      )}
      <h3>NCIC files this agency uses</h3>
      <p class="muted">Every file is off until the agency turns it on — a supervisor and an administrator, two people; the setting is public.</p>
      <ul class="kinds">
        {kinds.map((k) => (
          <li key={k.kind}>
            <label class="inline">
              <input type="checkbox" checked={k.enabled} disabled={!can("hotlists.manage")} onChange={() => toggle(k)} />
              {k.kind} — {k.name}
            </label>{" "}
            {requests
              .filter((r) => r.kind === k.kind)
              .map((r) => (
                <span key={r.id}>
                  asked by {r.requested_by} ({r.role}){" "}
                  {can("hotlists.kinds") && (
                    <button
                      onClick={() =>
                        post("/api/v1/hotlist-kinds/requests/{id}/approve", { path: { id: r.id } }).then(
                          () => {
                            setMsg(`${k.kind} is on.`);
                            reload();
                          },
                          (e) => setMsg(e instanceof ApiError ? e.message : "The server did not answer."),
                        )
                      }
                    >
                      Approve
                    </button>
                  )}
                </span>
              ))}
          </li>
        ))}
      </ul>
    </div>
  );
}

const PAGE = 500; // the API's page of entries

// One of our lists' current entries: what a custom list holds, who entered
// each, and when each expires (custom entries within 30 days), a page of 500
// at a time (the API continues after an entry id).
function Entries(props: { list: Hotlist; canApprove: boolean; onApprove: () => void }) {
  const [entries, setEntries] = useState<HotlistEntry[]>([]);
  const [status, setStatus] = useState(props.list.pending > 0 ? "pending" : "");
  const [error, setError] = useState("");
  // The `after` of each page shown so far: the last is this page's.
  const [pages, setPages] = useState<number[]>([0]);
  const after = pages[pages.length - 1];
  useEffect(() => setPages([0]), [status, props.list.id]);
  useEffect(() => {
    const q = new URLSearchParams({ status });
    if (after > 0) q.set("after", String(after));
    get("/api/v1/hotlists/{id}/entries", { path: { id: props.list.id }, query: q }).then(
      (r) => setEntries(r.entries),
      (e) => setError(e instanceof ApiError ? e.message : "The server did not answer."),
    );
  }, [status, props.list.id, after]);
  const first = (pages.length - 1) * PAGE + 1;
  const soon = (iso: string | null) => !!iso && new Date(iso).getTime() - Date.now() < 3 * 864e5;
  return (
    <section class="stack" aria-label={`Entries of ${props.list.name}`}>
      <h3>Entries of {props.list.name}</h3>
      <div class="row">
        <label>
          Show
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">active and pending</option>
            <option value="pending">waiting for approval</option>
            <option value="active">active</option>
          </select>
        </label>
        {props.list.pending > 0 && props.canApprove && <button onClick={props.onApprove}>Approve {props.list.pending} pending</button>}
      </div>
      {error && <p class="error">{error}</p>}
      <table class="data">
        <THead cols={["Plate", "State", "Kind", "Status", "Why listed", "Entered", "Expires"]} />
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td class="plate">{e.plate}</td>
              <td>{e.state || "any"}</td>
              <td>{e.kind}</td>
              <td>{e.status === "pending" ? "waiting for approval" : e.status}</td>
              <td>{String(e.detail.reason ?? e.detail.record_id ?? "")}</td>
              <td>
                {e.entered_by}, {when(e.entered_at)}
              </td>
              <td class={soon(e.expires_at) ? "warn" : ""}>{e.expires_at ? when(e.expires_at) : "with the list"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row">
        {entries.length > 0 && (
          <span class="muted">
            Entries {first}–{first + entries.length - 1}
          </span>
        )}
        {pages.length > 1 && <button onClick={() => setPages(pages.slice(0, -1))}>Previous {PAGE}</button>}
        {entries.length === PAGE && <button onClick={() => setPages([...pages, entries[entries.length - 1].id])}>Next {PAGE}</button>}
      </div>
    </section>
  );
}

function Import(props: { lists: Hotlist[]; onLoaded: () => void }) {
  const [report, setReport] = useState<Report | null>(null);
  const [result, setResult] = useState("");
  const [error, setError] = useState("");
  const [text, setText] = useState("");
  const [list, setList] = useState(props.lists[0].id);
  const [format, setFormat] = useState(props.lists[0].kind === "ncic" ? "ncic" : "json");

  async function readFile(e: Event) {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) setText(await file.text());
    setReport(null);
  }

  async function send(what: "check" | "entries") {
    setError("");
    setResult("");
    try {
      const options = { path: { id: list }, query: new URLSearchParams({ format }) };
      if (what === "check") {
        setReport(await sendText("post", "/api/v1/hotlists/{id}/check", text, options));
      } else {
        const r = await sendText("put", "/api/v1/hotlists/{id}/entries", text, options);
        setResult(`Loaded: ${r.active} active, ${r.pending} waiting for approval, ${r.replaced} replaced, ${r.rejected.length} lines rejected.`);
        setReport(null);
        props.onLoaded();
      }
    } catch (err) {
      setError(err instanceof ApiError ? err.message : "The server did not answer.");
    }
  }

  return (
    <section class="stack narrow" aria-label="Load a list">
      <h3>Load a file</h3>
      <label>
        List
        <select value={list} onChange={(e) => setList(Number((e.target as HTMLSelectElement).value))}>
          {props.lists.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Format
        <select value={format} onChange={(e) => setFormat((e.target as HTMLSelectElement).value)}>
          <option value="ncic">NCIC fixed-width extract</option>
          <option value="csv">State CSV extract</option>
          <option value="genetec">Genetec text</option>
          <option value="json">Interdict JSON</option>
        </select>
      </label>
      <label>
        File <input type="file" onChange={readFile} />
      </label>
      <div class="row">
        <button disabled={!text} onClick={() => send("check")}>
          Check
        </button>
        <button class="primary" disabled={!report} onClick={() => send("entries")}>
          Load (replaces the list)
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {result && <p class="notice">{result}</p>}
      {report && (
        <div class="report" role="status">
          <p>
            {report.entries} entries would load ({Object.entries(report.by_kind).map(([k, n]) => `${k}: ${n}`).join(", ")}); {report.rejected.length}{" "}
            lines would be rejected.
          </p>
          {report.rejected.length > 0 && (
            <ul>
              {report.rejected.slice(0, 50).map((r, i) => (
                <li key={i}>
                  {r.line !== undefined ? `line ${r.line}` : `entry ${r.index}`}: {r.error}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}

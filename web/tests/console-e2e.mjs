// The console's browser tests (docs/console.md, "Tests"): Debian's Chromium,
// headless, driven by playwright-core against a real `interdict demo` on
// loopback, through the flows issue 8 names. Fails on any step that does not
// happen and on any console error the flow did not expect. Saves a
// screenshot of each main screen.
//   node tests/console-e2e.mjs BINARY OUT_DIR
// Exit 0 when every flow passed; prints one line per flow.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { harness, STEP_MS, totp } from "./console-harness.mjs";
import { startProvider } from "./oidc-provider.mjs";

const [binary, out] = process.argv.slice(2);
if (!binary || !out) {
  console.error("usage: node tests/console-e2e.mjs BINARY OUT_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const CHROMIUM = process.env.INTERDICT_CHROMIUM ?? "/usr/bin/chromium";
// axe-core, the accessibility engine, run on every screen that is
// photographed: a serious or critical WCAG 2.1 A/AA violation fails the run.
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

// A free loopback port (single sign-on needs the console's address before
// the server starts: the provider sends people back to it).
async function freePort() {
  const s = createServer();
  await new Promise((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

// The agency's identity provider for the single sign-on flow, and the
// client secret the server reads from its secrets directory.
const SSO_CLIENT = "interdict-e2e";
const SSO_SECRET = "e2e-" + Math.random().toString(36).slice(2);
const provider = await startProvider({
  clientId: SSO_CLIENT,
  clientSecret: SSO_SECRET,
  person: { sub: "e2e-7", preferred_username: "jrivera", name: "Jo Rivera", groups: ["lpr-analysts"], amr: ["pwd", "otp"] },
});

// Starts the demo on a free loopback port in a fresh data directory and
// resolves with its URL and TOTP secret once it serves.
async function startDemo() {
  const data = mkdtempSync(join(tmpdir(), "interdict-e2e-"));
  const secrets = join(data + "-sso");
  mkdirSync(secrets, { mode: 0o700 });
  writeFileSync(join(secrets, "GCPD"), SSO_SECRET + "\n", { mode: 0o600 });
  const port = await freePort();
  const config = data + "-config.toml";
  writeFileSync(config, `[sso]\npublic_url = "http://127.0.0.1:${port}"\nclient_secrets_dir = "${secrets}"\n`);
  const child = spawn(
    binary,
    ["demo", "--config", config, "--data", data, "--listen", `127.0.0.1:${port}`, "--history-days", "1", "--vehicles", "50000", "--first-hit-after-s", "25", "--hit-every-s", "20"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start in 120 s:\n${text}`)), 120_000);
    const seen = (chunk) => {
      text += chunk;
      const url = /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      const secret = /TOTP secret: ([A-Z2-7]+)/.exec(text);
      if (url && secret) {
        clearTimeout(timer);
        resolve({ url: url[1], secret: secret[1], child, data, log: () => text });
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.on("exit", (code) => reject(new Error(`the demo exited (${code}):\n${text}`)));
  });
}

const demo = await startDemo();
{
  const res = await fetch(demo.url + "/");
  if (!(res.headers.get("content-type") ?? "").startsWith("text/html")) {
    console.log(`FAIL the console is served: ${res.status} ${await res.text()} (run scripts/build console)`);
    demo.child.kill("SIGTERM");
    process.exit(1);
  }
}
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
});

const { api, problems, expected, results, page, flow, finish } = harness(browser, new URL(demo.url).origin);
const used = new Map(); // user → the TOTP step of the last code used: the server refuses it twice

// A code this user has not used yet: the current step's, or, when that one
// was used, the next step's (after waiting for it). The step recorded is the
// code's own, taken at the moment the code is made.
async function freshCode(user) {
  let at = Date.now();
  if ((used.get(user) ?? -1) >= Math.floor(at / 30000)) {
    await new Promise((r) => setTimeout(r, (used.get(user) + 1) * 30000 - at + 200));
    at = Date.now();
  }
  used.set(user, Math.floor(at / 30000));
  return totp(demo.secret, at);
}

async function signIn(p, user) {
  await p.goto(demo.url + "/");
  await p.getByLabel("I understand and accept").check();
  await p.getByLabel("Username").fill(user);
  await p.getByLabel("Password").fill("interdict-demo");
  await p.getByLabel("Code from your authenticator").fill(await freshCode(user));
  await p.getByRole("button", { name: "Sign in" }).click();
  await p.getByRole("navigation", { name: "Screens" }).waitFor();
}

// Moves the focus with Tab alone until `target` has it: proof that a
// keyboard user reaches it (a bounded walk; fails if it never arrives).
async function tabTo(p, target, max = 250) {
  await target.waitFor();
  for (let i = 0; i < max; ++i) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await p.keyboard.press("Tab");
  }
  throw new Error(`${target} is not reached with Tab in ${max} presses`);
}

// The plate the demo planted, from its log line ("a stolen vehicle passes a
// camera plate=…"), once it has been printed.
async function plantedPlate() {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const m = /stolen vehicle passes a camera" plate=([A-Z0-9]+)/.exec(demo.log());
    if (m) return m[1];
    if (Date.now() > deadline) throw new Error("the demo never planted its stolen car");
    await new Promise((r) => setTimeout(r, 250)); // polls the log the demo is writing
  }
}

const shot = async (p, file) => {
  // At the top, with fonts loaded and two frames drawn (maps redraw on the next frame).
  await p.evaluate(async () => {
    scrollTo(0, 0);
    await document.fonts.ready;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
  await p.screenshot({ path: join(out, file) });
  await accessible(p, file.replace(/\.png$/, ""));
};

// Page.evaluate runs over the DevTools protocol, so the console's CSP
// (script-src 'self') does not stop the engine being loaded.
async function accessible(p, screen) {
  if (!(await p.evaluate(() => "axe" in window))) await p.evaluate(AXE);
  const violations = await p.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")}`);
  });
  for (const v of violations) problems.push(`axe on ${screen}: ${v}`);
}
let hitPlate = "";
let hitAgency = "";

await flow("the transparency page opens signed out", async () => {
  const p = await page();
  await p.goto(demo.url + "/transparency");
  await p.getByRole("heading", { name: "Transparency report" }).waitFor();
  await p.getByRole("heading", { name: "Prohibited uses" }).waitFor();
  await p.getByText("Civil immigration enforcement").first().waitFor();
  await p.getByRole("rowheader", { name: /Gateway City Police Department/ }).waitFor();
  // The demo's published evaluation, with its public report.
  await p.getByRole("list", { name: "Evaluations of outcomes" }).getByText("Downtown's license plate reader cameras").first().waitFor();
  const report = p.getByRole("link", { name: /^The report of Downtown/ });
  const href = await report.getAttribute("href");
  const served = await fetch(demo.url + href);
  const html = await served.text();
  if (served.status !== 200 || !html.includes("<svg") || html.includes("<script")) throw new Error(`the public report: ${served.status}`);
  await shot(p, "transparency.png");
  await p.context().close();
});

await flow("a supervisor sends a suggested unit ahead of the planted stolen car and sees it on the dispatch board", async () => {
  const p = await page();
  await signIn(p, "gcpd-supervisor");
  await p.getByRole("heading", { name: "Live hits" }).waitFor();
  const plate = await plantedPlate();
  await p.getByRole("link").filter({ hasText: plate }).first().click({ timeout: 120_000 });
  const card = p.getByRole("article");
  const stage = card.getByRole("region", { name: "Where to stage" });
  await stage.getByText("never a pursuit").waitFor();
  // The demo plants the car at the camera nearest a city patrol: some unit
  // of the city can get ahead of it.
  const send = stage.getByRole("button", { name: /^Send / }).first();
  await send.waitFor({ timeout: 30_000 });
  const unit = (await send.textContent()).replace(/^Send /, "").trim();
  await send.click();
  await stage.getByRole("status").filter({ hasText: `${unit} sent` }).waitFor();
  await stage.getByRole("button", { name: `Release ${unit}` }).waitFor();
  await shot(p, "hit-stage.png");
  // The board shows it assigned; the map follows the units.
  await p.getByRole("link", { name: "Dispatch" }).click();
  await p.getByRole("heading", { name: "Dispatch", exact: true }).waitFor();
  await p.locator(`tr[data-unit="${unit}"] [data-field="status"]`).filter({ hasText: "assigned" }).waitFor();
  await p.getByRole("region", { name: "Map of units" }).waitFor();
  await shot(p, "dispatch.png");
  // The agency's rules: the aircraft for every stolen vehicle from now on.
  await p.getByLabel("Entry kinds that call for the aircraft").fill("V");
  await p.getByRole("button", { name: "Save rules" }).click();
  await p.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  // A new car joins the board.
  await p.getByLabel("Call sign").fill("GC-99");
  await p.getByRole("button", { name: "Register unit" }).click();
  await p.locator('tr[data-unit="GC-99"] [data-field="status"]').filter({ hasText: "available" }).waitFor();
  await p.context().close();
});

// A datetime-local field's value `hours` from now, in the browser's zone (the machine's).
function localInput(hours) {
  const d = new Date(Date.now() + hours * 3_600_000);
  const two = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
}

async function enterOperation(p, o) {
  const form = p.getByRole("form", { name: "Enter an operation" });
  await form.getByLabel("Kind").selectOption(o.kind);
  await form.getByLabel("Case number").fill(o.case);
  await form.getByLabel("Title (stays with your agency)").fill(o.title);
  await form.getByLabel("Contact on duty").fill(o.contact);
  await form.getByLabel("Contact phone").fill(o.phone);
  await form.getByLabel("Starts").fill(localInput(o.from));
  await form.getByLabel("Ends").fill(localInput(o.to));
  await form.getByLabel("Latitude").fill(String(o.lat));
  await form.getByLabel("Longitude").fill(String(o.lon));
  await form.getByRole("button", { name: "Enter and check" }).click();
}

await flow("two agencies enter operations at one block and both see the conflict with whom to call", async () => {
  const west = await page();
  await signIn(west, "wcpd-supervisor");
  await west.getByRole("link", { name: "Deconfliction" }).click();
  await west.getByRole("heading", { name: "Deconfliction", exact: true }).waitFor();
  await enterOperation(west, { kind: "raid", case: "WC-E2E-1", title: "Warrant at the chop shop", contact: "Sgt. Dana West", phone: "314-615-7000", from: 1, to: 3, lat: 38.61, lon: -90.4 });
  await west.getByRole("status").filter({ hasText: "Entered. No conflict found." }).waitFor();

  const valley = await page();
  await signIn(valley, "chpd-officer");
  await valley.getByRole("link", { name: "Deconfliction" }).click();
  await enterOperation(valley, { kind: "surveillance", case: "CH-E2E-7", title: "Watch the buyer's car", contact: "Det. Lee Park", phone: "(636) 537-3000", from: 2, to: 4, lat: 38.6109, lon: -90.4 });
  await valley.getByRole("status").filter({ hasText: "Conflict: call Sgt. Dana West" }).waitFor();
  const theirs = valley.getByRole("table", { name: "Open conflicts" }).getByRole("row").filter({ hasText: "Sgt. Dana West" });
  await theirs.waitFor();
  if ((await theirs.textContent()).includes("WC-E2E-1")) throw new Error("the other agency's case number was shown");

  // The first agency sees it too, without reloading (the list is fetched every 10 s).
  const ours = west.getByRole("table", { name: "Open conflicts" }).getByRole("row").filter({ hasText: "Det. Lee Park" });
  await ours.waitFor({ timeout: 30_000 });
  await shot(west, "deconfliction.png");
  await ours.getByRole("button", { name: /^joint on conflict/ }).click();
  await ours.filter({ hasText: "yours: joint" }).waitFor();
  await west.context().close();
  await valley.context().close();
});

await flow("an analyst finds the region's BOLOs by vehicle, issues one, and sees a BOLO beside a plate search", async () => {
  const p = await page();
  await signIn(p, "gcpd-analyst");
  await p.getByRole("link", { name: "BOLOs" }).click();
  await p.getByRole("heading", { name: "BOLOs", exact: true }).waitFor();
  // The demo's robbery BOLO (no plate) and the Highway Patrol's plate BOLO.
  await p.getByRole("heading", { name: /BOLO \d+: wanted person \(GCPD\)/ }).waitFor();
  await p.getByRole("heading", { name: /BOLO \d+: stolen vehicle \(MSHP\)/ }).waitFor();
  const lookup = p.getByRole("form", { name: "Look up BOLOs" });
  await lookup.getByLabel("Make").fill("Toyota");
  await lookup.getByLabel("Colour").fill("white");
  await lookup.getByRole("button", { name: "Look up" }).click();
  await p.getByRole("heading", { name: /stolen vehicle \(MSHP\)/ }).waitFor({ state: "detached" });
  await p.getByRole("heading", { name: /wanted person \(GCPD\)/ }).waitFor();
  const issue = p.getByRole("form", { name: "Issue a BOLO" });
  await issue.getByLabel("Kind").selectOption("missing_person");
  await issue.getByLabel("Narrative").fill("A 79-year-old man with dementia left home on foot in Dogtown.");
  await issue.getByLabel("Person's description").fill("White hair, tan jacket, walks with a cane.");
  // A 1×1 PNG: the photo goes up after the bulletin and shows on its card.
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
  await issue.getByLabel(/^Photo/).setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: png });
  await issue.getByLabel("Contact name").fill("Det. E2E");
  await issue.getByLabel("Contact phone").fill("314-444-5600");
  await issue.getByRole("button", { name: "Issue BOLO" }).click();
  await issue.getByRole("status").filter({ hasText: /BOLO \d+ issued\./ }).waitFor();
  await p.getByRole("heading", { name: /missing person \(GCPD\)/ }).waitFor();
  await p.getByRole("img", { name: /^Photo of BOLO \d+$/ }).waitFor();
  await shot(p, "bolos.png");
  // Looking up the Highway Patrol's BOLO plate in a search shows the bulletin beside the answer.
  const card = p.getByRole("article").filter({ has: p.getByRole("heading", { name: /stolen vehicle \(MSHP\)/ }) });
  const vehicle = (await card.locator("dd").first().textContent()).trim();
  const bolosPlate = vehicle.split(" ")[0];
  await p.getByRole("link", { name: "Search" }).click();
  await p.getByLabel("Search type").selectOption("plate");
  await p.getByLabel("Plate", { exact: true }).fill(bolosPlate);
  await p.getByLabel("Purpose").selectOption("stolen-vehicle");
  await p.getByLabel("Case number").fill("26-004412");
  await p.getByLabel("Offense").fill("auto theft");
  await p.getByLabel("Justification (at least 20 characters)").fill("the Highway Patrol's BOLO on a car taken from a commuter lot");
  await p.getByRole("button", { name: "Search", exact: true }).click();
  await p.getByRole("list", { name: "BOLOs on this plate" }).getByText(bolosPlate).waitFor();
  await p.context().close();
});

await flow("an analyst's intelligence record is refused for first-amendment words until it says how they relate, and a supervisor approves and disseminates the demo's pending one", async () => {
  const a = await page();
  await signIn(a, "gcpd-analyst");
  await a.getByRole("link", { name: "Intelligence" }).click();
  await a.getByRole("heading", { name: "Intelligence", exact: true }).waitFor();
  const form = a.getByRole("form", { name: "Submit a record" });
  await form.getByLabel("Subject (identifiers)").fill("Lena K. Ortiz, born 1988-02-11");
  await form.getByLabel("Suspected criminal activity").fill("fencing stolen vehicles");
  await form.getByLabel(/^Criminal predicate/).fill("Two controlled buys and a seized phone tie her to the resale of five cars stolen from the county's commuter lots in October and November.");
  await form.getByLabel("Narrative").fill("Meets buyers after the protest marches downtown.");
  await form.getByLabel("Source").fill("CI-2310");
  expected.push("status of 400"); // the refusal the next step expects
  await form.getByRole("button", { name: "Submit for approval" }).click();
  await form.getByRole("alert").filter({ hasText: '"protest"' }).waitFor();
  await form.getByLabel(/how they relate directly to the crime/).fill("The protests are only where the buyers meet her; the record keeps nothing about any view or cause of hers.");
  await form.getByRole("button", { name: "Submit for approval" }).click();
  await a.getByRole("heading", { name: /Record GCPD \d+: fencing stolen vehicles \(submitted\)/ }).waitFor();
  await a.context().close();

  const s = await page();
  await signIn(s, "gcpd-supervisor");
  await s.getByRole("link", { name: "Intelligence" }).click();
  await s.getByRole("row").filter({ hasText: "receiving stolen property" }).getByRole("button").click();
  const approve = s.getByRole("form", { name: "Approve the record" });
  await approve.getByLabel("Your statement of how it relates to the crime").fill("The union hall's lot is where the sales happen; no membership or opinion of his is recorded.");
  await approve.getByRole("button", { name: "Approve" }).click();
  await s.getByRole("heading", { name: /receiving stolen property \(approved\)/ }).waitFor();
  const send = s.getByRole("form", { name: "Disseminate the record" });
  await send.getByLabel("To (username)").fill("slco-analyst");
  await send.getByLabel("Need to know").fill("County burglary unit's case on the converter thefts, 26-B-1187");
  await send.getByRole("button", { name: "Disseminate" }).click();
  await s.getByRole("list", { name: "Releases" }).getByText("slco-analyst").waitFor();
  await shot(s, "intelligence.png");
  await s.context().close();
});

await flow("a supervisor checks a claim against SLMPD's real counts and saves it; the verdict comes with its warnings and chart", async () => {
  const p = await page();
  await signIn(p, "gcpd-supervisor");
  await p.getByRole("link", { name: "Outcomes" }).click();
  await p.getByRole("heading", { name: "Outcomes", exact: true }).waitFor();
  const form = p.getByRole("form", { name: "Check a claim" });
  await form.getByLabel("Offense").selectOption("motor vehicle theft");
  await form.getByLabel("Program's areas").fill("Central West End");
  await form.getByLabel("First month").fill("2016-06");
  await form.getByLabel("Claimed change (%)").fill("-44");
  await form.getByLabel("Title").fill("Central West End auto theft, June 2016");
  await form.getByRole("button", { name: "Evaluate and save" }).click();
  await p.getByRole("status").filter({ hasText: "Verdict:" }).waitFor({ timeout: 30_000 });
  await p.getByRole("table", { name: "Estimates" }).getByRole("rowheader", { name: "synthetic control" }).waitFor();
  await p.getByRole("img", { name: /Monthly counts from/ }).waitFor();
  await p.getByRole("img", { name: /^Event study/ }).waitFor();
  await p.getByRole("img", { name: /^Placebo effects of \d+ comparison groups/ }).waitFor();
  await p.getByRole("table", { name: "Saved evaluations" }).getByRole("rowheader", { name: "Central West End auto theft, June 2016" }).waitFor();
  // A claim naming no area of the data is refused, saying which.
  await form.getByLabel("Program's areas").fill("Atlantis");
  expected.push("status of 400");
  await form.getByRole("button", { name: "Evaluate", exact: true }).click();
  await p.getByRole("alert").filter({ hasText: '"Atlantis"' }).waitFor();
  await shot(p, "outcomes.png");
  await p.context().close();
});

await flow("an officer signs in with TOTP, sees a simulated hit arrive and works it to an outcome", async () => {
  const p = await page();
  await p.goto(demo.url + "/");
  await p.getByText("I understand and accept").waitFor();
  await shot(p, "signin.png");
  // Sign-in is refused without accepting the banner.
  if (await p.getByRole("button", { name: "Sign in" }).isEnabled()) throw new Error("sign-in enabled before the banner was accepted");
  await signIn(p, "gcpd-officer");
  await p.getByRole("heading", { name: "Live hits" }).waitFor();
  await p.getByText("● live").waitFor();
  // Live hits arrive over the stream with a banner; the demo's planted one (a
  // stolen car read right at a city camera, with its plate crop) is worked.
  await p.getByRole("alert").filter({ hasText: "New hit" }).waitFor({ timeout: 120_000 });
  // The banner takes the focus (a screen reader reads it; Enter opens it).
  await p.waitForFunction(() => document.activeElement?.classList.contains("flash"));
  hitPlate = await plantedPlate();
  // The whole workflow by keyboard: Tab to each control, Enter or Space.
  await tabTo(p, p.getByRole("link").filter({ hasText: hitPlate }).first());
  await p.keyboard.press("Enter");
  const card = p.getByRole("article");
  await card.getByText("Read against the list entry").waitFor();
  await card.locator("img").waitFor();
  hitAgency = (await card.locator('[data-field="agency"]').textContent()).trim();
  await shot(p, "hits.png");
  // The NCIC rule: the officer asks the list's owner, and the card counts down.
  await card.getByRole("button", { name: /^Ask .* to confirm the entry$/ }).click();
  await card.getByRole("timer").filter({ hasText: /answer due in \d+:\d\d/ }).waitFor();
  await tabTo(p, card.getByRole("button", { name: "Acknowledge" }));
  await p.keyboard.press("Enter");
  for (const box of ["The plate in the image is the listed plate", "The state matches", "The vehicle matches the description"]) {
    await tabTo(p, card.getByLabel(box));
    await p.keyboard.press("Space");
  }
  await tabTo(p, card.getByRole("button", { name: "Record visual check" }));
  await p.keyboard.press("Enter");
  await tabTo(p, card.getByLabel("The source confirms the entry is current"));
  await p.keyboard.press("Space");
  // Ticked now, and not before: a box ticked at the visual check must not
  // carry over to the confirmation (it once did, reusing the element).
  if (!(await card.getByLabel("The source confirms the entry is current").isChecked())) {
    throw new Error("the confirmation box was ticked before the officer ticked it");
  }
  await tabTo(p, card.getByLabel("Who confirmed, reference"));
  await p.keyboard.type("dispatch, NCIC hit confirmed 0412");
  await tabTo(p, card.getByRole("button", { name: "Record confirmation" }));
  await p.keyboard.press("Enter");
  const outcome = card.getByLabel("Outcome");
  await tabTo(p, outcome);
  for (let i = 0; i < 12 && (await outcome.inputValue()) !== "recovery"; ++i) await p.keyboard.press("ArrowDown");
  await tabTo(p, card.getByRole("button", { name: "Close with this outcome" }));
  await p.keyboard.press("Enter");
  await card.getByText("Closed: recovery").waitFor();
  await shot(p, "hit-closed.png");
  // The same board on a phone at night.
  await p.setViewportSize({ width: 390, height: 844 });
  await p.getByLabel("Theme").selectOption("dark");
  await shot(p, "hits-phone-dark.png");
  await p.context().close();
});

await flow("the list's owner answers the officer's request to confirm the entry on the dispatch board", async () => {
  const p = await page();
  // The planted car is on the NCIC extract the Highway Patrol loads.
  await signIn(p, "mshp-supervisor");
  await p.getByRole("link", { name: "Dispatch" }).click();
  const open = p.getByRole("list", { name: "Open confirmation requests" });
  const request = open.getByRole("listitem").filter({ hasText: hitPlate || /./ }).first();
  await request.getByRole("timer").waitFor();
  await request.getByRole("button", { name: "Confirmed" }).click();
  await p.getByText("No open request to confirm an entry.").waitFor();
  await p.context().close();
});

await flow("an analyst runs a partial-plate search with a purpose", async () => {
  const p = await page();
  await signIn(p, "gcpd-analyst");
  await p.getByRole("link", { name: "Search" }).click();
  await p.getByLabel("Search type").selectOption("partial");
  const pattern = (hitPlate || "A").slice(0, 3) + "*";
  await p.getByLabel("Pattern (? one character, * any run)").fill(pattern);
  // The agency whose camera read it: one agency needs no supervisor's approval.
  if (hitAgency) await p.getByLabel(/^Agencies/).fill(hitAgency);
  await p.getByLabel("Purpose").selectOption("stolen-vehicle");
  await p.getByLabel("Case number").fill("26-004411");
  await p.getByLabel("Offense").fill("auto theft");
  await p.getByLabel("Justification (at least 20 characters)").fill("partial plate from a witness of the carjacking on Market St");
  await p.getByRole("button", { name: "Search", exact: true }).click();
  const results = p.getByRole("region", { name: "Results" });
  await results.getByRole("heading", { name: /result/ }).waitFor();
  if (hitPlate) await results.getByRole("cell", { name: hitPlate }).first().waitFor();
  await shot(p, "search.png");
  await results.getByRole("tab", { name: "Map" }).click();
  await p.locator(".leaflet-container").waitFor();
  await shot(p, "search-map.png");

  // A prohibited purpose is refused by the server, and the console says so.
  expected.push("status of 403");
  await p.getByLabel("Purpose").selectOption("civil-immigration");
  await p.getByRole("button", { name: "Search", exact: true }).click();
  await results.getByRole("alert").filter({ hasText: "Refused" }).filter({ hasText: "prohibited" }).waitFor();
  await shot(p, "search-refused.png");

  // An area search around City Hall touches protected places: refused before
  // it runs; the request for approval names them, and the list shows them.
  expected.push("status of 403");
  await p.getByLabel("Search type").selectOption("area");
  await p.getByLabel("Purpose").selectOption("stolen-vehicle");
  await p.getByRole("button", { name: "Search", exact: true }).click();
  await results.getByRole("alert").filter({ hasText: "protected places" }).waitFor();
  await results.getByRole("button", { name: "Ask a supervisor to approve this search" }).click();
  await p.getByText(/Approval request \d+ sent/).waitFor();
  await p.getByRole("region", { name: "Approval requests" }).getByText(/Protected places:.*St\. Louis City Hall/).first().waitFor();
  await shot(p, "search-protected-place.png");
  await p.context().close();
});

await flow("an administrator finds those searches in the audit view and verifies the chain", async () => {
  const p = await page();
  await signIn(p, "gcpd-admin");
  await p.getByRole("link", { name: "Audit" }).click();
  await p.getByRole("heading", { name: "Audit trail" }).waitFor();
  const table = p.locator("table.audit");
  await table.getByRole("row").filter({ hasText: "search.partial" }).filter({ hasText: "26-004411" }).first().waitFor();
  await table.getByRole("row").filter({ hasText: "search.refused" }).first().waitFor();
  await p.getByRole("button", { name: "Verify the chain" }).click();
  await p.getByText(/Chain intact: \d+ entries/).waitFor();
  await shot(p, "audit.png");
  await p.getByRole("link", { name: "Administration" }).click();
  await p.getByRole("heading", { name: "Sharing agreements" }).waitFor();
  await p.locator(".leaflet-container").waitFor();
  await shot(p, "admin.png");
  await p.getByRole("link", { name: "Hotlists" }).click();
  await p.getByRole("cell", { name: "NCIC extract (Missouri, daily)" }).waitFor();
  // The agency's own AMBER list: its entry, who entered it, when it expires.
  await p.getByRole("button", { name: /AMBER alert/ }).click();
  await p.getByRole("region", { name: /Entries of AMBER alert/ }).locator("td.plate").first().waitFor();
  await shot(p, "hotlists.png");
  await p.context().close();
});

await flow("a supervisor resolves the refused search in the review queue and reads disparity by area", async () => {
  const p = await page();
  await signIn(p, "gcpd-supervisor");
  await p.getByRole("link", { name: "Review" }).click();
  await p.getByRole("heading", { name: "Review queue" }).waitFor();
  const row = p.getByRole("row").filter({ hasText: "Prohibited purpose attempted" }).filter({ hasText: "gcpd-analyst" }).first();
  await row.waitFor();
  await shot(p, "review.png");
  await row.getByLabel("Outcome").selectOption("referred");
  await row.getByLabel("Note").fill("referred to the professional standards unit, ticket 26-PSU-14");
  await row.getByRole("button", { name: "Resolve" }).click();
  await p.getByRole("status").filter({ hasText: "resolved" }).waitFor();
  await p.getByLabel("Show").selectOption("resolved");
  await p.getByRole("row").filter({ hasText: "referred by gcpd-supervisor" }).first().waitFor();
  // Disparity by area: the counties with their rates, on a map.
  await p.getByRole("link", { name: "Disparity" }).click();
  await p.getByRole("rowheader", { name: "St. Louis city" }).waitFor();
  await p.locator(".leaflet-container").waitFor();
  // The offline base map: county names at the region's zoom, the city's
  // major roads drawn with their names (shown as one zooms in).
  await p.locator(".basemap-label.county:not([hidden]) > span").filter({ hasText: "St. Louis County" }).waitFor();
  for (const road of ["I-64", "I-70", "S Grand Blvd", "Gravois Ave"]) {
    const n = await p.locator(".basemap-label").filter({ hasText: new RegExp(`^${road}$`) }).count();
    if (n !== 1) throw new Error(`the base map has ${n} labels for ${road}, not 1`);
  }
  await shot(p, "disparity.png");
  // Zoomed in on the city (the map's + button), road names show.
  const zoomIn = p.getByRole("button", { name: "Zoom in" });
  const zoom = async () => Number(await p.locator(".leaflet-container").getAttribute("data-zoom"));
  for (let i = 0; i < 3; ++i) {
    const before = await zoom();
    await zoomIn.click();
    await p.waitForFunction((z) => Number(document.querySelector(".leaflet-container")?.dataset.zoom) > z, before);
  }
  await p.locator(".basemap-label.interstate:not([hidden]) > span").first().waitFor();
  await shot(p, "disparity-zoomed.png");
  await p.context().close();
});

await flow("the search form can be completed and sent with the keyboard alone", async () => {
  const p = await page();
  await signIn(p, "gcpd-analyst");
  await p.getByRole("link", { name: "Search" }).click();
  // Tab to each field in turn and type, as a keyboard user does; Enter sends.
  const type = async (label, text) => {
    await tabTo(p, p.getByLabel(label, { exact: true }));
    await p.keyboard.type(text);
  };
  await tabTo(p, p.getByLabel("Search type"));
  await type("Plate", hitPlate || "ABC123");
  const purpose = p.getByRole("combobox", { name: /^Purpose/ });
  await tabTo(p, purpose);
  for (let i = 0; i < 12 && (await purpose.inputValue()) !== "stolen-vehicle"; ++i) await p.keyboard.press("ArrowDown");
  await type("Case number", "26-004412");
  await type("Offense", "auto theft");
  await type("Justification (at least 20 characters)", "plate seen by a witness of a theft on Olive St");
  await tabTo(p, p.getByRole("button", { name: "Search", exact: true }));
  await p.keyboard.press("Enter");
  await p.getByRole("region", { name: "Results" }).getByRole("heading", { name: /result/ }).waitFor();
  await p.context().close();
});

// A session token through the API, as a script would get one.
async function apiSignIn(user) {
  const banner = await (await fetch(`${demo.url}/api/v1/auth/banner`)).json();
  const code = await freshCode(user);
  const login = await fetch(`${demo.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: user, password: "interdict-demo", code, banner: banner.version }),
  });
  if (!login.ok) throw new Error(`${user} could not sign in: ${login.status} ${await login.text()}`);
  return (await login.json()).token;
}

await flow("a person signs in through the agency's identity provider (OpenID Connect, PKCE) and gets the mapped role", async () => {
  // The administrator names the provider in the console (docs/security.md).
  const admin = await page();
  await signIn(admin, "gcpd-admin");
  await admin.getByRole("link", { name: "Administration" }).click();
  const sso = admin.getByRole("form", { name: "Identity provider" });
  // The address to register at the provider is shown.
  await admin.getByRole("region", { name: "Single sign-on" }).getByText(/\/api\/v1\/auth\/sso\/callback/).waitFor();
  await sso.getByLabel("Issuer").fill(provider.issuer);
  await sso.getByLabel("Client ID").fill(SSO_CLIENT);
  await sso.getByLabel(/Groups to roles/).fill("lpr-analysts=analyst");
  await sso.getByRole("button", { name: "Save single sign-on" }).click();
  await admin.getByText("Single sign-on settings saved.").waitFor();
  await shot(admin, "admin-sso.png");
  await admin.context().close();
  const p = await page({}, [provider.issuer]);
  await p.goto(demo.url + "/");
  await p.getByLabel("I understand and accept").check();
  await p.getByLabel("Agency code").fill("gcpd");
  await p.getByRole("button", { name: "Use your agency's identity provider" }).click();
  // To the provider and back: the ticket is in the fragment, taken out at once.
  const finish = p.getByRole("form", { name: "Finish single sign-on" });
  await finish.waitFor();
  if (p.url().includes("sso_ticket")) throw new Error(`the ticket stayed in the address bar: ${p.url()}`);
  await p.getByLabel("I understand and accept").check();
  await finish.getByRole("button", { name: "Continue" }).click();
  await p.getByRole("navigation", { name: "Screens" }).waitFor();
  // Provisioned just in time, with the role its provider group maps to.
  await p.getByText("GCPD/jrivera · GCPD · analyst").waitFor();
  if (provider.refusals.length) throw new Error(`the provider refused: ${provider.refusals.join("; ")}`);
  await shot(p, "signin-sso.png");
  await p.context().close();
});

await flow("the sign-in form can be completed with the keyboard alone", async () => {
  const p = await page();
  await p.goto(demo.url + "/");
  await p.getByText("I understand and accept").waitFor();
  await p.keyboard.press("Tab");
  const labelled = await p.evaluate(() => {
    const el = document.activeElement;
    return !!el && (el.labels?.length ?? 0) > 0;
  });
  if (!labelled) throw new Error("the first Tab stop is not a labelled control");
  await p.context().close();
});

// The routes the screens above do not call, read through the API as two
// roles: every answer, a refusal included, is checked against the document.
await flow("every list and report the API serves matches docs/openapi.yaml", async () => {
  const before = api.seen.size;
  for (const user of ["gcpd-admin", "gcpd-supervisor"]) {
    const token = await apiSignIn(user);
    const get = async (path) => {
      const res = await fetch(demo.url + path, { headers: { Authorization: `Bearer ${token}` } });
      const text = await res.text();
      const problem = api.check("GET", path, res.status, res.headers.get("content-type"), text);
      if (problem) throw new Error(`${user}: ${problem}`);
      return res.ok ? JSON.parse(text) : null;
    };
    const today = new Date().toISOString().slice(0, 10);
    for (const path of [
      "/healthz", "/api/v1/me", "/api/v1/agreements", "/api/v1/audit?limit=50", "/api/v1/audit/verify",
      "/api/v1/review?state=all", `/api/v1/disparity?areas=counties&from=${today}&to=${today}`,
      `/api/v1/review/export?from=${today}&to=${today}`, `/api/v1/transparency?from=${today}&to=${today}`,
      "/api/v1/integrations", "/api/v1/users", "/api/v1/retention", "/api/v1/holds", "/api/v1/purposes",
      "/api/v1/approvals", "/api/v1/protected-places", "/api/v1/confidential-plates/changes", "/api/v1/notices",
      "/api/v1/visible-agencies?class=reads", "/api/v1/cameras", "/api/v1/camera-positions",
      "/api/v1/hotlist-kinds", "/api/v1/webhooks", "/api/v1/operations", "/api/v1/targets",
      "/api/v1/conflicts", "/api/v1/conflicts/watch", "/api/v1/bolos", "/api/v1/bolos?all=true",
      "/api/v1/intel/records", "/api/v1/outcomes/datasets", "/api/v1/outcomes/evaluations",
      "/api/v1/transparency/evaluations",
    ]) {
      await get(path);
    }
    const lists = await get("/api/v1/hotlists");
    if (lists?.hotlists.length) await get(`/api/v1/hotlists/${lists.hotlists[0].id}/entries`);
    const hits = await get("/api/v1/hits");
    if (hits?.hits.length) await get(`/api/v1/hits/${hits.hits[0].hit}`);
  }
  if (api.seen.size === before) throw new Error("no answer was checked");
});

await browser.close();
await provider.close();
demo.child.kill("SIGTERM");
await new Promise((r) => demo.child.once("exit", r));
for (const leftover of [demo.data, demo.data + "-sso", demo.data + "-config.toml"]) {
  rmSync(leftover, { recursive: true, force: true });
}

console.log(`     ${api.seen.size} API operations' answers checked against docs/openapi.yaml`);
const failed = finish();
console.log(`console-e2e: ${results.length - failed} passed, ${failed} failed; screenshots in ${out}`);
process.exit(failed ? 1 : 0);

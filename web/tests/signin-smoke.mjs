// A smoke run of the console in Debian's Chromium (docs/console.md, "Tests"):
// sign in to a running demo with its printed secret and take screenshots.
//   node tests/signin-smoke.mjs URL TOTP_SECRET OUT_DIR
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";

const [url, secret, out] = process.argv.slice(2);

function totp(base32) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const step = Buffer.alloc(8);
  step.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const h = createHmac("sha1", key).update(step).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
const problems = [];
page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
page.on("pageerror", (e) => problems.push(String(e)));
await page.goto(url);
await page.getByText("I understand and accept").waitFor();
await page.screenshot({ path: `${out}/signin.png` });
await page.getByLabel("I understand and accept").check();
await page.getByLabel("Username").fill("gcpd-analyst");
await page.getByLabel("Password").fill("interdict-demo");
await page.getByLabel("Code from your authenticator").fill(totp(secret));
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByText("Signed in.").waitFor();
await page.screenshot({ path: `${out}/signed-in.png` });
await browser.close();
if (problems.length) {
  console.error("console errors:", problems);
  process.exit(1);
}
console.log("ok");

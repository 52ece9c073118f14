// Opens a Warden HTML report in Debian's Chromium (through playwright-core, never a
// downloaded browser) and checks it as a reader would: no console errors, no network
// fetch, charts drawn, filters and search change the visible rows, a row expands.
// Usage: node check_report.js REPORT.html SCREENSHOT.png
// Env: PLAYWRIGHT_CORE = path of the installed playwright-core package.
"use strict";
const { chromium } = require(process.env.PLAYWRIGHT_CORE || "playwright-core");
const path = require("path");
const fs = require("fs");

const [report, shot] = process.argv.slice(2);
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

(async () => {
  const userDataDir = fs.mkdtempSync(path.join(require("os").tmpdir(), "warden-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1280, height: 1600 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => errors.push("page error: " + e.message));
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith("file:") && !u.startsWith("data:")) errors.push("network fetch: " + u);
  });
  const t0 = Date.now();
  await page.goto("file://" + path.resolve(report), { waitUntil: "load" });
  await page.waitForSelector("#rows tr.finding", { timeout: 60000 });
  const loadMs = Date.now() - t0; // informational only (see docs/benchmarks-report.md)

  // Charts: at least the status donut, the severity and service bars, each with drawn marks.
  const charts = await page.$$eval("svg.chart", (svgs) => svgs.map((s) => ({
    name: s.dataset.chart,
    marks: Array.from(s.querySelectorAll("rect.bar, circle.seg")).filter((m) => {
      const b = m.getBBox();
      return b.width > 0 && b.height > 0;
    }).length,
    box: s.getBoundingClientRect().width,
  })));
  for (const name of ["status", "severity", "service"]) {
    const c = charts.find((x) => x.name === name);
    check(c && c.marks > 0 && c.box > 0, `chart ${name} is drawn (${JSON.stringify(c)})`);
  }

  const visible = () => page.$$eval("#rows tr.finding", (rows) => rows.map((r) => ({
    status: r.children[1].textContent, sev: r.children[0].textContent, text: r.textContent,
  })));
  const shown = () => page.textContent("#shown");
  const all = await visible();
  const allText = await shown();
  check(all.length > 0 && all.length <= 100, `first page has 1..100 rows (got ${all.length})`);
  const total = Number((allText.match(/of (\d+) matching/) || [])[1]);

  // Status filter: only PASS rows remain, and the count changes.
  const t1 = Date.now();
  await page.selectOption("#f-status", { label: "PASS" });
  await page.waitForFunction((t) => document.getElementById("shown").textContent !== t, allText);
  const filterMs = Date.now() - t1;
  const pass = await visible();
  const passText = await shown();
  check(pass.length > 0 && pass.every((r) => r.status.startsWith("PASS")), "status filter shows only PASS rows");
  check(passText !== allText, "status filter changes the count");
  const passTotal = Number((passText.match(/of (\d+) matching/) || [])[1]);
  check(passTotal < total, `fewer matches after filtering (${passTotal} < ${total})`);

  // Severity filter on top: only critical FAIL rows.
  await page.selectOption("#f-status", { label: "FAIL" });
  await page.selectOption("#f-severity", { label: "critical" });
  const crit = await visible();
  check(crit.length > 0 && crit.every((r) => r.sev === "critical" && r.status.startsWith("FAIL")),
    `severity + status filters (${crit.length} rows)`);

  // Search narrows to rows containing the text.
  await page.click("#f-reset");
  const t2 = Date.now();
  await page.fill("#f-search", "imdsv1");
  await page.waitForFunction((t) => document.getElementById("shown").textContent !== t, allText);
  const searchMs = Date.now() - t2; // includes the 150 ms typing debounce
  const found = await visible();
  check(found.length > 0 && found.length < all.length + 1 && found.every((r) => r.text.toLowerCase().includes("imdsv1")),
    `search shows only matching rows (${found.length})`);

  // Expanding a row shows its evidence and remediation.
  await page.click("#f-reset");
  await page.click("#rows tr.finding >> nth=0");
  const detail = await page.textContent("#rows tr.detail");
  check(detail && detail.includes("Evidence") && detail.includes("Remediation"), "row expands to evidence and remediation");

  // Compliance view and breakdowns are present.
  check((await page.$$("details.framework")).length > 0, "compliance frameworks listed");
  check((await page.$$("table.accounts tbody tr")).length > 0, "per-account breakdown");
  check((await page.$$("table.regions tbody tr")).length > 0, "per-region breakdown");

  if (shot) {
    await page.click("#rows tr.finding >> nth=0"); // collapse again
    await page.screenshot({ path: shot, fullPage: false });
  }
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
  for (const e of errors) failures.push(e);
  console.log(JSON.stringify({ loadMs, filterMs, searchMs, charts, rows: all.length, total, passTotal, critical: crit.length, search: found.length, failures }));
  process.exit(failures.length ? 1 : 0);
})().catch((e) => { console.error(e && e.stack || String(e)); process.exit(2); });

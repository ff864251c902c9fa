// Lighthouse (mobile emulation, simulated throttling: its defaults) on pages of the running shop,
// in the Chromium named by CHROME_PATH; the browser tier runs it (test_browser_lighthouse.py).
//
//   CHROME_PATH=/usr/bin/chromium node tests/browser/lighthouse.mjs run.json
//
// run.json: {"chromeFlags": ["--headless=new", …],
//            "pages": [{"name": "home", "url": "http://127.0.0.1:8080/", "localStorage": {"key": "value"}}]}
// `localStorage` is written on the page's origin before the run (e.g. a guest cart's token);
// Lighthouse clears the HTTP cache and service workers before each page, never local storage.
// Prints one JSON object per page, in order, as a JSON array on stdout: its category scores
// (0-100), CLS, the main metrics (ms), the audits that cost points, and the CPU calibration.
//
// CPU calibration: Lighthouse simulates a mid-range phone by multiplying the main-thread work it
// observes by 4, which assumes a host with a benchmark index of about 1000 (below that it warns
// "the tested device appears to have a slower CPU than Lighthouse expects"; docs/throttling.md
// says to calibrate the multiplier). A busy shared machine can benchmark at a third of that, and
// then 4 simulates a phone three times slower than Lighthouse's. So the multiplier is scaled by
// the host's benchmark index, measured just before each page: 4 on a host of 1000 or more, never
// under 1. The simulated phone stays the same; the bar does not move.

import { readFile } from "node:fs/promises";

import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import { pageFunctions } from "lighthouse/core/lib/page-functions.js";
import puppeteer from "puppeteer-core";

const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"];
const METRICS = {
  "first-contentful-paint": "fcp_ms",
  "largest-contentful-paint": "lcp_ms",
  "speed-index": "speed_index_ms",
  "total-blocking-time": "tbt_ms",
};

const DEFAULT_SLOWDOWN = 4;
const REFERENCE_BENCHMARK = 1000;
const FLAGS = {
  logLevel: "error",
  onlyCategories: CATEGORIES,
  // Pictures of the page and the back/forward-cache check (a second navigation) take a third of
  // a run and weigh nothing in any score.
  disableFullPageScreenshot: true,
  skipAudits: ["screenshot-thumbnails", "final-screenshot", "bf-cache"],
};

/** Lighthouse's own benchmark of this host, now, and the CPU slowdown that simulates its phone. */
async function calibrate(browser) {
  const tab = await browser.newPage();
  const benchmark = await tab.evaluate(pageFunctions.computeBenchmarkIndex);
  await tab.close();
  const scaled = (DEFAULT_SLOWDOWN * benchmark) / REFERENCE_BENCHMARK;
  return { benchmark, cpuSlowdown: Math.round(Math.min(DEFAULT_SLOWDOWN, Math.max(1, scaled)) * 10) / 10 };
}

function summary(page, lhr, calibration) {
  const scores = Object.fromEntries(CATEGORIES.map((id) => [id, Math.round(lhr.categories[id].score * 100)]));
  const metrics = Object.fromEntries(Object.entries(METRICS).map(([id, key]) => [key, Math.round(lhr.audits[id].numericValue)]));
  const losing = Object.values(lhr.audits)
    .filter((audit) => audit.score !== null && audit.score < 0.9 && audit.scoreDisplayMode !== "informative")
    .map((audit) => `${audit.id}: ${audit.displayValue || audit.title}`);
  return {
    name: page.name,
    url: page.url,
    scores,
    cls: Number(lhr.audits["cumulative-layout-shift"].numericValue.toFixed(4)),
    metrics,
    losing,
    shifts: (lhr.audits["layout-shifts"]?.details?.items || []).map((item) => `${item.node?.selector}: ${item.score.toFixed(4)}`),
    calibration: { ...calibration, benchmarkDuringRun: Math.round(lhr.environment.benchmarkIndex) },
    warnings: lhr.runWarnings,
  };
}

async function seedStorage(browser, page) {
  if (!page.localStorage) return;
  const tab = await browser.newPage();
  // Any page of the origin gives access to its storage; the stylesheet runs no script of the shop.
  await tab.goto(new URL("/styles.css", page.url).href);
  await tab.evaluate((entries) => {
    for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
  }, page.localStorage);
  await tab.close();
}

const { chromeFlags, pages } = JSON.parse(await readFile(process.argv[2], "utf8"));
const chrome = await chromeLauncher.launch({ chromeFlags, logLevel: "error" });
const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}`, defaultViewport: null });
const results = [];
try {
  // A fresh browser's first page pays for starting up (fonts, processes): that is not the shop's
  // cost, so one unmeasured visit comes first. Lighthouse empties the HTTP cache before each run.
  const warmUp = await browser.newPage();
  await warmUp.goto(pages[0].url, { waitUntil: "load" });
  await warmUp.close();
  for (const page of pages) {
    await seedStorage(browser, page);
    const calibration = await calibrate(browser);
    const tab = await browser.newPage();
    const flags = { ...FLAGS, throttling: { cpuSlowdownMultiplier: calibration.cpuSlowdown } };
    const run = await lighthouse(page.url, flags, undefined, tab);
    results.push(summary(page, run.lhr, calibration));
    await tab.close();
  }
} finally {
  await browser.disconnect();
  chrome.kill();
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

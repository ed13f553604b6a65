// Opens one page in headless Chromium and prints, as JSON, the node and edge labels of every Mermaid
// diagram drawn on it, plus every URL the page requested.
//
// Usage: NODE_PATH=tests/node/node_modules node diagram_text.cjs URL CHROMIUM_PATH
//
// Material for MkDocs draws each diagram into a *closed* shadow root, which no script can read, so
// attachShadow is made to open its roots before the page's own scripts run.
"use strict";
const { chromium } = require("playwright-core");

async function main() {
  const [url, executablePath] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    const page = await browser.newPage();
    const requested = [];
    page.on("request", (request) => requested.push(request.url()));
    await page.addInitScript(() => {
      const attachShadow = Element.prototype.attachShadow;
      Element.prototype.attachShadow = function (init) {
        return attachShadow.call(this, { ...init, mode: "open" });
      };
    });
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction(
      () => document.querySelectorAll("div.mermaid").length > 0 &&
        [...document.querySelectorAll("div.mermaid")].every((d) => d.shadowRoot && d.shadowRoot.querySelector("svg")),
      null,
      { timeout: 30000 },
    );
    const diagrams = await page.evaluate(() =>
      [...document.querySelectorAll("div.mermaid")].map((host) => {
        const svg = host.shadowRoot.querySelector("svg");
        const texts = (selector) => [...svg.querySelectorAll(selector)].map((g) => g.textContent.trim());
        return { nodes: texts("g.node"), edges: texts("g.edgeLabel") };
      }),
    );
    process.stdout.write(JSON.stringify({ diagrams, requested }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error) + "\n");
  process.exit(1);
});

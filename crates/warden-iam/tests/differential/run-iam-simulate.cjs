// Runs Warden simulation cases (JSONL, one case a line) through @cloud-copilot/iam-simulate
// and writes one result a line: {"decision": "Allow"|"ExplicitDeny"|"ImplicitDeny"} or
// {"error": "..."}. Usage: node run-iam-simulate.cjs NODE_MODULES_DIR CASES.jsonl OUT.jsonl
'use strict';
const fs = require('fs');
const path = require('path');
const [, , modules, input, output] = process.argv;
const sim = require(require.resolve('@cloud-copilot/iam-simulate', { paths: [modules] }));

const toSimulation = require(require('path').join(__dirname, './to-simulation.cjs')).translator(sim);

const map = { Allowed: 'Allow', ExplicitlyDenied: 'ExplicitDeny', ImplicitlyDenied: 'ImplicitDeny' };

(async () => {
  const lines = fs.readFileSync(input, 'utf8').split('\n').filter((l) => l.trim());
  const out = [];
  const started = process.hrtime.bigint();
  for (const line of lines) {
    try {
      const res = await sim.runSimulation(toSimulation(JSON.parse(line)), {});
      if (res.resultType === 'error') out.push(JSON.stringify({ error: JSON.stringify(res.errors).slice(0, 400) }));
      else out.push(JSON.stringify({ decision: map[res.overallResult] || res.overallResult }));
    } catch (e) {
      out.push(JSON.stringify({ error: String(e).slice(0, 400) }));
    }
  }
  const ns = Number(process.hrtime.bigint() - started);
  fs.writeFileSync(output, out.join('\n') + '\n');
  process.stderr.write(`iam-simulate: ${lines.length} cases in ${(ns / 1e6).toFixed(0)} ms\n`);
})();

// Times @cloud-copilot/iam-simulate on Warden simulation cases (the same inputs as
// warden-iam's `eval_loop` example), printing evaluations per second.
// Usage: node bench-iam-simulate.cjs NODE_MODULES_DIR ROUNDS CASE.json|CASES.jsonl
'use strict';
const fs = require('fs');
const [, , modules, roundsArg, input] = process.argv;
const sim = require(require.resolve('@cloud-copilot/iam-simulate', { paths: [modules] }));
const toSimulation = require(require('path').join(__dirname, '../../crates/warden-iam/tests/differential/to-simulation.cjs')).translator(sim);
(async () => {
  const text = fs.readFileSync(input, 'utf8');
  let cases;
  try {
    cases = [JSON.parse(text)];
  } catch {
    cases = text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
  }
  const sims = cases.map(toSimulation);
  const rounds = Number(roundsArg);
  let allowed = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    for (const s of sims) {
      const r = await sim.runSimulation(s, {});
      if (r.overallResult === 'Allowed') allowed++;
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const total = rounds * sims.length;
  console.log(`iam-simulate: ${total} evaluations in ${secs.toFixed(3)} s: ${(total / secs).toFixed(0)} evaluations/s (${allowed} allowed)`);
})();

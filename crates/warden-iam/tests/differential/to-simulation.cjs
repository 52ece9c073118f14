// Translates a Warden simulation case (the `warden iam simulate --input` shape) into an
// @cloud-copilot/iam-simulate request. Shared by the differential test
// (run-iam-simulate.cjs) and the side-by-side benchmark (scripts/iam/bench-iam-simulate.cjs),
// so both always feed the simulator the same inputs.
'use strict';

function translator(sim) {
  const named = (prefix) => (p, i) => ({ name: `${prefix}${i}`, policy: p });
  const levels = (prefix, lv) =>
    (lv || []).map((ps, i) => ({ orgIdentifier: `${prefix}-${i}`, policies: ps.map(named(`${prefix}-${i}-`)) }));
  return function toSimulation(c) {
    const r = c.request;
    const s = {
      request: {
        principal: r.principal === '*' ? sim.anonymousPrincipal : r.principal,
        action: r.action,
        resource: { resource: r.resource, accountId: r.resource_account },
        contextVariables: r.context || {},
      },
      identityPolicies: (c.identity_policies || []).map(named('identity')),
      serviceControlPolicies: levels('scp', c.scps),
      resourceControlPolicies: levels('rcp', c.rcps),
    };
    if (c.resource_policy) s.resourcePolicy = c.resource_policy;
    if ((c.permission_boundaries || []).length) s.permissionBoundaryPolicies = c.permission_boundaries.map(named('pb'));
    if (c.session_policy) s.sessionPolicy = c.session_policy;
    return s;
  };
}

module.exports = { translator };

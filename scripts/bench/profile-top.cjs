// Summarises a V8 .cpuprofile: self time by function and inclusive time by package.
//   node scripts/bench/profile-top.cjs <file.cpuprofile> [rows]
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fs = require('fs');
const file = process.argv[2];
const prof = JSON.parse(fs.readFileSync(file));
const self = new Map(); const byId = new Map(prof.nodes.map(n => [n.id, n]));
const dt = prof.timeDeltas; const samples = prof.samples;
const counts = new Map();
for (let i = 0; i < samples.length; i++) counts.set(samples[i], (counts.get(samples[i]) || 0) + (dt[i] || 0));
let total = 0;
for (const [id, t] of counts) { const n = byId.get(id); const cf = n.callFrame; const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-3).join('/')}:${cf.lineNumber}`; self.set(key, (self.get(key) || 0) + t); total += t; }
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] || 25));
for (const [k, t] of top) console.log((t / total * 100).toFixed(1).padStart(5) + '%', k);
// inclusive by package
const parent = new Map(); for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
const incl = new Map();
for (const [id, t] of counts) { const seen = new Set(); let cur = id; while (cur !== undefined) { const n = byId.get(cur); const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(n.callFrame.url); const key = m ? m[1] : (n.callFrame.url.includes('/dist/') ? 'dist:' + n.callFrame.url.split('/dist/')[1].split('/').slice(0,3).join('/') : null); if (key && !seen.has(key)) { seen.add(key); incl.set(key, (incl.get(key) || 0) + t); } cur = parent.get(cur); } }
console.log('--- inclusive by package');
for (const [k, t] of [...incl.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log((t / total * 100).toFixed(1).padStart(5) + '%', k);

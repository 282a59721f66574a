// Kubernetes-style quantities ("500m", "2", "512Mi", "1G") as numbers, and
// what the projects placed on a node request of it (the scheduler's sum:
// spec.resources, else the services' limits).
const SUFFIX = { m: 1e-3, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

export function parseQuantity(text) {
  if (text === undefined || text === null || text === "") return 0;
  const match = /^([0-9.]+)([a-zA-Z]*)$/.exec(String(text).trim());
  if (!match) return 0;
  return parseFloat(match[1]) * (SUFFIX[match[2]] || 1);
}

export function formatCpu(cores) {
  return cores >= 1 || cores === 0 ? String(+cores.toFixed(2)) : Math.round(cores * 1000) + "m";
}

export function formatBytes(bytes) {
  const units = ["B", "Ki", "Mi", "Gi", "Ti"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return +value.toFixed(1) + units[unit];
}

const HOLDS_ROOM = new Set(["Scheduled", "Running", "Terminating"]);

export function requested(projects, node) {
  let cpu = 0;
  let memory = 0;
  for (const p of projects) {
    if (p.status.nodeRef !== node || !HOLDS_ROOM.has(p.status.phase)) continue;
    const r = p.spec.resources;
    if (r && (r.cpu || r.memory)) {
      cpu += parseQuantity(r.cpu);
      memory += parseQuantity(r.memory);
      continue;
    }
    for (const s of p.spec.services || []) {
      const limits = (s.resources && s.resources.limits) || {};
      cpu += parseQuantity(limits.cpu);
      memory += parseQuantity(limits.memory);
    }
  }
  return { cpu, memory };
}

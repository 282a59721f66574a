// The dashboard's pure logic under Node's own test runner: ages and
// countdowns as the pages print them, Kubernetes quantities, and what the
// projects on a node request of it (the scheduler's rule).
import assert from "node:assert/strict";
import { test } from "node:test";

import { age, countdown, span } from "../../../ui/dom.js";
import { formatBytes, formatCpu, parseQuantity, requested } from "../../../ui/quantity.js";

const now = Date.parse("2026-12-07T12:00:00Z");

test("ages read like kubectl's AGE column", () => {
  assert.equal(span(0), "0s");
  assert.equal(span(119_000), "119s");
  assert.equal(span(120_000), "2m");
  assert.equal(span(90 * 60_000), "90m");
  assert.equal(span(3 * 3600_000), "3h");
  assert.equal(span(47 * 3600_000), "47h");
  assert.equal(span(72 * 3600_000), "3d");
  assert.equal(age("2026-12-07T11:55:00Z", now), "5m");
  assert.equal(age(undefined, now), "—");
});

test("countdowns say how long is left, or how long ago it expired", () => {
  assert.equal(countdown("2026-12-07T12:00:30Z", now), "in 1m");
  assert.equal(countdown("2026-12-07T12:45:00Z", now), "in 45m");
  assert.equal(countdown("2026-12-07T15:20:00Z", now), "in 3h 20m");
  assert.equal(countdown("2026-12-10T14:00:00Z", now), "in 3d 2h");
  assert.equal(countdown("2026-12-07T11:50:00Z", now), "expired 10m ago");
  assert.equal(countdown("", now), "—");
});

test("quantities parse with decimal and binary suffixes", () => {
  assert.equal(parseQuantity("500m"), 0.5);
  assert.equal(parseQuantity("2"), 2);
  assert.equal(parseQuantity("512Mi"), 512 * 1024 * 1024);
  assert.equal(parseQuantity("1G"), 1e9);
  assert.equal(parseQuantity(""), 0);
  assert.equal(parseQuantity("lots"), 0);
  assert.equal(formatCpu(0.25), "250m");
  assert.equal(formatCpu(1.5), "1.5");
  assert.equal(formatBytes(1536 * 1024 * 1024), "1.5Gi");
});

test("a node's requests sum spec.resources, else the services' limits, of placed projects only", () => {
  const project = (name, phase, node, spec) => ({ metadata: { name }, status: { phase, nodeRef: node }, spec });
  const projects = [
    project("a", "Running", "n1", { resources: { cpu: "500m", memory: "256Mi" }, services: [] }),
    project("b", "Scheduled", "n1", { services: [{ name: "x", resources: { limits: { cpu: "250m", memory: "128Mi" } } },
                                                 { name: "y", resources: { limits: { memory: "128Mi" } } }] }),
    project("c", "Pending", "n1", { resources: { cpu: "4" }, services: [] }),
    project("d", "Failed", "n1", { resources: { cpu: "4" }, services: [] }),
    project("e", "Running", "n2", { resources: { cpu: "1" }, services: [] }),
  ];
  const r = requested(projects, "n1");
  assert.equal(r.cpu, 0.75);
  assert.equal(r.memory, 512 * 1024 * 1024);
  assert.deepEqual(requested(projects, "n3"), { cpu: 0, memory: 0 });
});

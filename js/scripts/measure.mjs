// Figures for the package against a running fake account (`databricks-account fake --port 0`
// prints its connection): time to the first call's answer from a cold start, then per-call
// medians of get-user, one at a time and with every worker busy. Prints one JSON object.
//
//   DATABRICKS_CONNECTION="$(cat connection.json)" node scripts/measure.mjs [calls]
const started = performance.now();
const { Connector } = await import('../src/index.js');
const connection = JSON.parse(process.env.DATABRICKS_CONNECTION ?? 'null');
if (!connection) throw new Error('set DATABRICKS_CONNECTION to a fake account connection');
const calls = Number(process.argv[2] ?? 200);
const input = { id: '4211000000015838' };

const connector = await Connector.start({ workers: 2 });
await connector.run('get-user', connection, input);
const firstCallMs = performance.now() - started;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sequential = [];
for (let i = 0; i < calls; i++) {
  const t = performance.now();
  await connector.run('get-user', connection, input);
  sequential.push(performance.now() - t);
}
// Both workers busy (the second one starts here, so one round first).
await Promise.all([connector.run('get-user', connection, input), connector.run('get-user', connection, input)]);
const t = performance.now();
await Promise.all(Array.from({ length: calls }, () => connector.run('get-user', connection, input)));
const concurrentMs = performance.now() - t;
await connector.close();

const round = (x) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    first_call_ms: round(firstCallMs),
    get_user_median_ms: round(median(sequential)),
    get_user_p99_ms: round([...sequential].sort((a, b) => a - b)[Math.floor(sequential.length * 0.99)]),
    calls_per_second_two_workers: round((calls / concurrentMs) * 1000),
  }),
);

// Run a card of the databricks-account connector from Node.js, through the npm package in ../../js
// (build it first: `npm ci && npm run build` there).
//
//   DATABRICKS_ACCOUNT_ID=... DATABRICKS_CLIENT_ID=... DATABRICKS_CLIENT_SECRET=... \
//   [DATABRICKS_HOST=http://127.0.0.1:8080] node run.mjs
import { CardError, Connector } from 'databricks-account-connector';

const env = (name) => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`set ${name}`);
  return value;
};

// README:node:start
const connector = await Connector.start();
const connection = {
  cloud: 'aws',
  account_id: env('DATABRICKS_ACCOUNT_ID'),
  auth: { oauth_m2m: { client_id: env('DATABRICKS_CLIENT_ID'), client_secret: env('DATABRICKS_CLIENT_SECRET') } },
  host_override: process.env.DATABRICKS_HOST, // unset for a real account
};
console.error(`${connector.cards.length} cards; list-users needs scope ${connector.card('list-users').scopes}`);
try {
  const users = await connector.run('list-users', connection, { filter: 'userName sw "a"', sort_by: 'userName' });
  console.log(JSON.stringify(users.resources.map(({ id, user_name, active }) => ({ id, user_name, active })), null, 2));
} catch (err) {
  if (!(err instanceof CardError)) throw err;
  console.error(JSON.stringify(err)); // {card, kind, error, message}
  process.exitCode = 1;
} finally {
  await connector.close();
}
// README:node:end

// An independent GraphQL client: subscribes once with the graphql-ws library
// (graphql-transport-ws over the ws package) and prints one JSON line per
// message on stdout:
//   {"kind":"connected"}                 the connection was acknowledged
//   {"kind":"next","payload":{...}}      an execution result
//   {"kind":"complete"}                  the server completed the subscription
//   {"kind":"error","error":"..."}       a GraphQL or socket error (exit 2)
// It disposes of the subscription and exits 0 when stdin closes.
//
// Environment: GQL_URL (ws://host:port/api/v1/graphql), GQL_QUERY,
// GQL_VARIABLES (JSON, optional), GQL_TOKEN (a bearer token, optional).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const print = (line) => process.stdout.write(JSON.stringify(line) + '\n');
const fail = (err) => {
  let text;
  if (Array.isArray(err)) text = err.map((e) => `${e.message} ${JSON.stringify(e.extensions ?? {})}`).join('; ');
  else if (err && typeof err.code === 'number') text = `socket closed ${err.code} ${err.reason ?? ''}`;
  else text = String(err?.message ?? err);
  print({ kind: 'error', error: text });
  process.exit(2);
};

const url = process.env.GQL_URL;
const query = process.env.GQL_QUERY;
if (!url || !query) fail('GQL_URL and GQL_QUERY are required');
const variables = process.env.GQL_VARIABLES ? JSON.parse(process.env.GQL_VARIABLES) : {};
const token = process.env.GQL_TOKEN;

// The token goes on the upgrade request, as the server reads it.
class AuthorizedSocket extends WebSocket {
  constructor(address, protocols) {
    super(address, protocols, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  }
}

const client = createClient({
  url,
  webSocketImpl: AuthorizedSocket,
  retryAttempts: 0,
  on: { connected: () => print({ kind: 'connected' }), error: fail },
});

const unsubscribe = client.subscribe(
  { query, variables },
  {
    next: (payload) => print({ kind: 'next', payload }),
    error: fail,
    complete: () => print({ kind: 'complete' }),
  },
);

process.stdin.on('end', async () => {
  unsubscribe();
  await client.dispose();
  process.exit(0);
});
process.stdin.resume();

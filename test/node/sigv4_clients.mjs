// Drives Sluice with @aws-sdk/client-firehose (AWS SDK for JavaScript v3) for the SigV4 tests in
// internal/auth (clients_integration_test.go). The Go test passes a plan as JSON in
// SLUICE_CLIENT_PLAN; this script runs every case and prints one JSON object per line:
// {"case", "op", "ok", "code", "message", "result"}. It asserts nothing itself.
import { FirehoseClient, ListDeliveryStreamsCommand, PutRecordCommand } from "@aws-sdk/client-firehose";

const plan = JSON.parse(process.env.SLUICE_CLIENT_PLAN);

function client({ endpoint = plan.endpoint, key = plan.key, secret = plan.secret, region = plan.region, skewSeconds = 0, unsigned = false } = {}) {
  const cfg = {
    endpoint,
    region,
    credentials: { accessKeyId: key, secretAccessKey: secret },
    maxAttempts: 1,
    // The SDK signs with Date.now() + systemClockOffset: a client whose clock is wrong.
    systemClockOffset: skewSeconds * 1000,
  };
  if (unsigned) {
    cfg.signer = { sign: async (request) => request };
  }
  return new FirehoseClient(cfg);
}

async function run(name, op, fn) {
  const out = { case: name, op };
  try {
    const res = await fn();
    delete res.$metadata;
    out.ok = true;
    out.result = res;
  } catch (err) {
    out.ok = false;
    out.code = err.name ?? "";
    out.message = err.message ?? "";
    out.status = err.$metadata?.httpStatusCode ?? 0;
  }
  console.log(JSON.stringify(out));
}

const list = (c) => () => c.send(new ListDeliveryStreamsCommand({ Limit: 10 }));

const good = client();
await run("good", "ListDeliveryStreams", list(good));
await run("good", "PutRecord", () =>
  good.send(new PutRecordCommand({ DeliveryStreamName: plan.stream, Record: { Data: new TextEncoder().encode("hello from node\n") } })));
await run("proxied", "ListDeliveryStreams", list(client({ endpoint: plan.plainProxy })));
await run("wrong-secret", "ListDeliveryStreams", list(client({ secret: "not-" + plan.secret })));
await run("tampered-body", "ListDeliveryStreams", list(client({ endpoint: plan.bodyProxy })));
await run("tampered-header", "ListDeliveryStreams", list(client({ endpoint: plan.headerProxy })));
await run("expired", "ListDeliveryStreams", list(client({ skewSeconds: plan.skewSeconds })));
await run("wrong-region", "ListDeliveryStreams", list(client({ region: plan.wrongRegion })));
await run("missing-signature", "ListDeliveryStreams", list(client({ unsigned: true })));

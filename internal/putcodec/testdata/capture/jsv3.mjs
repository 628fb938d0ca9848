import http from 'node:http';
import fs from 'node:fs';
import { FirehoseClient, PutRecordBatchCommand, PutRecordCommand } from '@aws-sdk/client-firehose';
const bodies = {};
const srv = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', c => chunks.push(c));
  req.on('end', () => {
    const t = req.headers['x-amz-target']; bodies[t] = Buffer.concat(chunks);
    const body = t.endsWith('Batch') ? '{"Encrypted":false,"FailedPutCount":0,"RequestResponses":[]}' : '{"RecordId":"x","Encrypted":false}';
    res.writeHead(200, {'Content-Type': 'application/x-amz-json-1.1'}); res.end(body);
  });
});
await new Promise(r => srv.listen(0, '127.0.0.1', r));
const c = new FirehoseClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${srv.address().port}`, credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' } });
const recs = [Buffer.from('hello\n'), new Uint8Array(0), Uint8Array.from([0xff, 0, 0xfe]), Buffer.from('/+?'.repeat(100))];
await c.send(new PutRecordBatchCommand({ DeliveryStreamName: 's1', Records: recs.map(Data => ({ Data })) }));
await c.send(new PutRecordCommand({ DeliveryStreamName: 's1', Record: { Data: recs[0] } }));
fs.writeFileSync(process.argv[2] + '/jsv3_batch.json', bodies['Firehose_20150804.PutRecordBatch']);
fs.writeFileSync(process.argv[2] + '/jsv3_put.json', bodies['Firehose_20150804.PutRecord']);
srv.close();

import threading, http.server, json, sys, botocore.session
bodies = {}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers['Content-Length']); b = self.rfile.read(n)
        t = self.headers['X-Amz-Target']; bodies[t] = b
        resp = b'{"Encrypted":false,"FailedPutCount":0,"RequestResponses":[]}' if t.endswith('Batch') else b'{"RecordId":"x","Encrypted":false}'
        self.send_response(200); self.send_header('Content-Type','application/x-amz-json-1.1'); self.send_header('Content-Length', str(len(resp))); self.end_headers(); self.wfile.write(resp)
    def log_message(self,*a): pass
srv = http.server.HTTPServer(('127.0.0.1',0),H)
threading.Thread(target=srv.serve_forever,daemon=True).start()
s = botocore.session.get_session()
c = s.create_client('firehose', region_name='us-east-1', endpoint_url='http://127.0.0.1:%d'%srv.server_port, aws_access_key_id='AKID', aws_secret_access_key='SECRET')
recs = [b'hello\n', b'', bytes([0xff,0,0xfe]), b'/+?'*100]
c.put_record_batch(DeliveryStreamName='s1', Records=[{'Data':r} for r in recs])
c.put_record(DeliveryStreamName='s1', Record={'Data':recs[0]})
open(sys.argv[1]+'/botocore_batch.json','wb').write(bodies['Firehose_20150804.PutRecordBatch'])
open(sys.argv[1]+'/botocore_put.json','wb').write(bodies['Firehose_20150804.PutRecord'])

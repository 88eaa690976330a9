/**
 * What a GridFS download costs on FerretDB v1 (SQLite) as a bucket fills: the driver reads a file's
 * chunks with `find({ files_id }).sort({ n: 1 })`, which FerretDB answers by decoding the whole chunks
 * collection. Uploads `BENCH_FILES` files of `BENCH_FILE_KB` kB into one bucket (chunk size
 * `BENCH_CHUNK_KB`), then times downloads from that bucket and from a bucket holding one file.
 *
 *   MONGODB_URI=mongodb://127.0.0.1:27017/bench npx tsx bench/attachments.ts
 */
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';

const uri = process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017/huiyin_bench_attachments';
const files = Number(process.env.BENCH_FILES ?? 300);
const fileKb = Number(process.env.BENCH_FILE_KB ?? 1024);
const chunkKb = Number(process.env.BENCH_CHUNK_KB ?? 255);

async function upload(bucket: InstanceType<typeof mongoose.mongo.GridFSBucket>, id: string, data: Buffer) {
  const stream = bucket.openUploadStreamWithId(id as never, `${id}.bin`);
  await new Promise<void>((resolve, reject) =>
    stream.end(data, (err?: Error | null) => (err ? reject(err) : resolve())),
  );
}

async function timeDownload(bucket: InstanceType<typeof mongoose.mongo.GridFSBucket>, id: string) {
  const start = performance.now();
  let bytes = 0;
  await pipeline(
    bucket.openDownloadStream(id as never),
    new Writable({ write: (chunk: Buffer, _e, cb) => ((bytes += chunk.length), cb()) }),
  );
  return { ms: Math.round(performance.now() - start), bytes };
}

async function main() {
  const conn = await mongoose.createConnection(uri).asPromise();
  const db = conn.db!;
  await db.dropDatabase();
  const chunkSizeBytes = chunkKb * 1024;
  const shared = new mongoose.mongo.GridFSBucket(db, { bucketName: 'shared', chunkSizeBytes });
  const single = new mongoose.mongo.GridFSBucket(db, { bucketName: 'single', chunkSizeBytes });
  const data = randomBytes(fileKb * 1024);
  const t0 = performance.now();
  for (let i = 0; i < files; i++) await upload(shared, `f${i}`, data);
  const uploadMs = performance.now() - t0;
  await upload(single, 'only', data);
  const results = {
    files,
    fileKb,
    chunkKb,
    uploadMsPerFile: Math.round(uploadMs / files),
    sharedBucket: [await timeDownload(shared, 'f0'), await timeDownload(shared, `f${files - 1}`)],
    singleFileBucket: [await timeDownload(single, 'only'), await timeDownload(single, 'only')],
  };
  console.log(JSON.stringify(results));
  await db.dropDatabase();
  await conn.close();
}

void main();

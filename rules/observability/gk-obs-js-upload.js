const multer = require('multer');
const busboy = require('busboy');
const fs = require('fs');

// ruleid: gk-obs-js-upload
const upload = multer({ dest: 'uploads/' });
// ruleid: gk-obs-js-upload
const storage = multer.diskStorage({ destination: '/data/uploads' });
// ok: gk-obs-js-upload
const inMemory = multer({ storage: multer.memoryStorage() });
// ok: gk-obs-js-upload
const plain = multer();

function receive(req, res) {
  const bb = busboy({ headers: req.headers });
  bb.on('file', (name, file, info) => {
    // ruleid: gk-obs-js-upload
    file.pipe(fs.createWriteStream('/data/' + info.filename));
  });
  // ok: gk-obs-js-upload
  const log = fs.createWriteStream('/var/log/app.log');
  req.pipe(bb);
}

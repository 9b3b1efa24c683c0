import express from 'express';

const app = express();
const router = express.Router();
const cache: Record<string, number> = {};
const seen = new Set<string>();
let hits = 0;

app.get('/rates/:id', async (req, res) => {
  // ruleid: gk-obs-js-state
  cache[req.params.id] = 1;
  // ruleid: gk-obs-js-state
  seen.add(req.params.id);
  // ruleid: gk-obs-js-state
  hits++;
  // ok: gk-obs-js-state
  res.json({ hits });
});

router.post('/local', function (req, res) {
  const cache: Record<string, number> = {};
  // ok: gk-obs-js-state
  cache['y'] = 2;
  res.json(cache);
});

function listRates(req, res) {
  // ruleid: gk-obs-js-state
  hits += 1;
  res.json({});
}
app.get('/rates', listRates);

class RatesController {
  @Get(':id')
  find(@Param('id') id: string) {
    // ruleid: gk-obs-js-state
    seen.add(id);
    return id;
  }
}

// ok: gk-obs-js-state
seen.add('startup');

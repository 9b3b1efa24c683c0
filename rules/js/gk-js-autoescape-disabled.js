// Test target for gk-js-autoescape-disabled (semgrep --test).
const swig = require("swig");
const nunjucks = require("nunjucks");

// ruleid: gk-js-autoescape-disabled
swig.setDefaults({ cache: false, autoescape: false });

// ruleid: gk-js-autoescape-disabled
nunjucks.configure("views", { autoescape: false, express: app });

// ruleid: gk-js-autoescape-disabled
const env = new nunjucks.Environment(loader, { autoescape: false });

// ok: gk-js-autoescape-disabled
swig.setDefaults({ cache: false, autoescape: true });

// ok: gk-js-autoescape-disabled
nunjucks.configure("views", { express: app });

// ok: gk-js-autoescape-disabled
const settings = { autoescape: false };

// ruleid: gk-routes-js-error-handler
export function errorHandler(err: Error, req: Request, res: Response, next: NextFunction) {
  res.status(500).json({ message: err.message });
}

// ruleid: gk-routes-js-error-handler
app.use((err, req, res, next) => res.status(500).end());

// ok: gk-routes-js-error-handler
function pad(text, width, fill, left) {
  return text;
}

// ok: gk-routes-js-error-handler
app.use((req, res, next) => next());

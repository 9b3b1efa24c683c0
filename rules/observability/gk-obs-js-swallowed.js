async function save(order) {
  try {
    await db.save(order);
  // ruleid: gk-obs-js-swallowed
  } catch (err) {}
  try {
    await db.save(order);
  // ruleid: gk-obs-js-swallowed
  } catch {
  }
  try {
    await db.save(order);
  // ok: gk-obs-js-swallowed
  } catch (err) {
    logger.error({ err }, 'save failed');
  }
  // ruleid: gk-obs-js-swallowed
  notify(order).catch(() => {});
  // ok: gk-obs-js-swallowed
  notify(order).catch((err) => logger.warn({ err }, 'notify failed'));
}

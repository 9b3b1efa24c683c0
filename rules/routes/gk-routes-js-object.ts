function AllocationsHandler(db) {
  this.displayAllocations = (req, res, next) => {
    const { userId } = req.params;
    // ruleid: gk-routes-js-object
    allocationsDAO.getByUserIdAndThreshold(userId, req.query.threshold, (err, allocations) => {
      return res.render("allocations", { userId, allocations });
    });
  };
}

module.exports.show = function (req, res) {
  // ruleid: gk-routes-js-object
  db.Note.findByPk(req.params.id).then((note) => res.json(note));
};

async function removeNote(req, res) {
  const id = req.params.id;
  // ruleid: gk-routes-js-object
  const note = await Note.findById(id);
  // ruleid: gk-routes-js-object
  if (note.owner.toString() !== req.user.id) return res.sendStatus(403);
  await note.remove();
}

const update = async (ctx) => {
  // ruleid: gk-routes-js-object
  const note = await repo.findOne({ where: { id: ctx.params.id } });
  // ruleid: gk-routes-js-object
  ctx.assert(note.ownerId === ctx.state.user.id, 403);
  ctx.body = note;
};

router.delete("/notes/:id", auth, async (req, res) => {
  // ruleid: gk-routes-js-object
  await Note.deleteOne({ _id: req.params.id });
  res.sendStatus(204);
});

async function list(req, res) {
  // ok: gk-routes-js-object
  const notes = await Note.find({ tag: req.query.tag });
  // ok: gk-routes-js-object
  res.json({ notes, id: req.params.id });
  // ok: gk-routes-js-object
  const type = req.get(req.params.header);
}

@Controller("articles")
export class ArticleController {
  constructor(private readonly articleService: ArticleService) {}

  @Delete(":slug")
  async delete(@Param() params) {
    // ruleid: gk-routes-js-object
    return this.articleService.delete(params.slug);
  }

  // ruleid: gk-routes-js-object
  @Put(":slug")
  async update(@User("id") userId: number, @Param("slug") slug: string, @Body() data) {
    // ruleid: gk-routes-js-object
    return this.articleService.update(userId, slug, data);
  }

  // ok: gk-routes-js-object
  @Get()
  async findAll(@Query() query) {
    return this.articleService.findAll(query);
  }
}

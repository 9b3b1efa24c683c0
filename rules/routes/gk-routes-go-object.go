package articles

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
)

func ArticleUpdate(c *gin.Context) {
	slug := c.Param("slug")
	// ruleid: gk-routes-go-object
	article, err := FindOneArticle(&ArticleModel{Slug: slug})
	if err != nil {
		return
	}
	article.Update(c)
}

func CommentDelete(c *gin.Context) {
	id64, err := strconv.ParseUint(c.Param("id"), 10, 32)
	id := uint(id64)
	// ruleid: gk-routes-go-object
	err = DeleteCommentModel([]uint{id})
	c.JSON(http.StatusOK, err)
}

func ArticleFavorite(c *gin.Context) {
	slug := c.Param("slug")
	// ruleid: gk-routes-go-object
	article, _ := FindOneArticle(&ArticleModel{Slug: slug})
	// ruleid: gk-routes-go-object
	me := c.MustGet("my_user_model").(UserModel)
	article.favoriteBy(me)
}

func (h *Handler) GetTodo(w http.ResponseWriter, r *http.Request) {
	// ruleid: gk-routes-go-object
	todo, _ := h.store.Get(chi.URLParam(r, "id"))
	// ruleid: gk-routes-go-object
	if todo.OwnerID != h.userID(r) {
		return
	}
}

func Show(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	var item Item
	// ruleid: gk-routes-go-object
	db.First(&item, vars["id"])
}

func Mine(w http.ResponseWriter, r *http.Request) {
	var item Item
	// ruleid: gk-routes-go-object
	db.Where("id = ? AND user_id = ?", r.PathValue("id"), currentUserID(r)).First(&item)
	// ruleid: gk-routes-go-object
	me := middleware.CurrentUser(r)
	_ = me
}

func List(c *gin.Context) {
	// ok: gk-routes-go-object
	articles, _ := FindManyArticle(c.Query("tag"))
	// ok: gk-routes-go-object
	c.JSON(http.StatusOK, gin.H{"slug": c.Param("slug")})
	// ok: gk-routes-go-object
	cached := c.GetHeader(c.Param("header"))
	_ = articles
	_ = cached
}

// Test target for gk-go-path-traversal (semgrep --test).
package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

const uploadDir = "/srv/uploads"

func Download(c *gin.Context) {
	name := c.Query("file")
	// ruleid: gk-go-path-traversal
	c.File(filepath.Join(uploadDir, name))
	// ok: gk-go-path-traversal
	c.File(filepath.Join(uploadDir, filepath.Base(name)))
	// ok: gk-go-path-traversal
	c.File(filepath.Join(uploadDir, "report.pdf"))
}

func Upload(c *gin.Context) {
	file, err := c.FormFile("avatar")
	if err != nil {
		return
	}
	// ruleid: gk-go-path-traversal
	c.SaveUploadedFile(file, uploadDir+"/"+file.Filename)
	// ok: gk-go-path-traversal
	c.SaveUploadedFile(file, filepath.Join(uploadDir, filepath.Base(file.Filename)))
	// ok: gk-go-path-traversal
	c.SaveUploadedFile(file, filepath.Join(uploadDir, uuid.NewString()+filepath.Ext(file.Filename)))
	stored := storedName(file.Filename)
	// ok: gk-go-path-traversal
	c.SaveUploadedFile(file, uploadDir+"/"+stored)
	dst := filepath.Join(uploadDir, c.PostForm("folder"), "avatar.png")
	// ruleid: gk-go-path-traversal
	c.SaveUploadedFile(file, dst)
}

// storedName keeps only a hash of the client's name and a checked extension.
func storedName(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:8]) + ".png"
}

func Read(w http.ResponseWriter, r *http.Request) {
	// ruleid: gk-go-path-traversal
	data, _ := os.ReadFile(filepath.Join(uploadDir, chi.URLParam(r, "name")))
	w.Write(data)
	// ok: gk-go-path-traversal
	data2, _ := os.ReadFile(filepath.Join(uploadDir, filepath.Clean("/"+chi.URLParam(r, "name"))))
	w.Write(data2)
	// ruleid: gk-go-path-traversal
	http.ServeFile(w, r, r.URL.Query().Get("path"))
}

func Remove(c *gin.Context) {
	// ruleid: gk-go-path-traversal
	os.Remove(uploadDir + "/" + c.Param("name"))
	// ok: gk-go-path-traversal
	f, _ := os.Open("/etc/app/config.yaml")
	f.Close()
}

package files

import (
	"io"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func Upload(c *gin.Context) {
	fh, _ := c.FormFile("file")
	// ruleid: gk-obs-go-upload
	c.SaveUploadedFile(fh, "/data/"+fh.Filename)
}

func UploadStd(w http.ResponseWriter, r *http.Request) {
	file, _, err := r.FormFile("file")
	if err != nil {
		return
	}
	dst, err := os.Create("/data/upload")
	if err != nil {
		return
	}
	// ruleid: gk-obs-go-upload
	io.Copy(dst, file)
}

func UploadS3(w http.ResponseWriter, r *http.Request) {
	file, _, _ := r.FormFile("file")
	// ok: gk-obs-go-upload
	io.Copy(bucketWriter, file)
}

func CopyLog(src io.Reader) {
	dst, _ := os.Create("/tmp/log")
	// ok: gk-obs-go-upload
	io.Copy(dst, src)
}

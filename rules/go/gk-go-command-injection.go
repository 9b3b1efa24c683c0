// Test target for gk-go-command-injection (semgrep --test).
package handlers

import (
	"net/http"
	"os/exec"

	"github.com/gin-gonic/gin"
)

func Ping(c *gin.Context) {
	host := c.Query("host")
	// ruleid: gk-go-command-injection
	out, _ := exec.Command("sh", "-c", "ping -c 1 "+host).CombinedOutput()
	c.String(200, string(out))

	// ok: gk-go-command-injection
	out2, _ := exec.Command("ping", "-c", "1", "--", host).CombinedOutput()
	c.String(200, string(out2))

	// ok: gk-go-command-injection
	exec.Command("sh", "-c", "uptime").Run()
}

func Convert(c *gin.Context) {
	// ruleid: gk-go-command-injection
	exec.CommandContext(c, c.PostForm("tool"), "--version").Run()
	// ok: gk-go-command-injection
	exec.CommandContext(c, "convert", c.PostForm("file"), "out.png").Run()
}

func Archive(w http.ResponseWriter, r *http.Request) {
	dir := r.FormValue("dir")
	// ruleid: gk-go-command-injection
	exec.Command("/bin/bash", "-c", "tar czf /tmp/a.tgz "+dir).Run()
	// ok: gk-go-command-injection
	exec.Command("bash", "-c", "tar czf /tmp/a.tgz \"$1\"", "bash", dir).Run()
}

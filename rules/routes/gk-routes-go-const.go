package routes

const (
	// ruleid: gk-routes-go-const
	apiPrefix = "/api/v1"
	// ok: gk-routes-go-const
	maxItems = 100
	// ok: gk-routes-go-const
	greeting = "hello"
)

// ruleid: gk-routes-go-const
const UsersPath = "/users"

var (
	// ruleid: gk-routes-go-const
	baseUrl = ""
	// ok: gk-routes-go-const
	listenAddr = "0.0.0.0"
)

// ruleid: gk-routes-go-const
var docsPath = "/docs"

func main() {
	// ok: gk-routes-go-const
	var local = "/not/a/package/default"
	_ = local
}

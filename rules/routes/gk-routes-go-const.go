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

// ok: gk-routes-go-const
var mutable = "/not/a/constant"

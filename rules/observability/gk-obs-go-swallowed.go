package store

func Save(o Order) {
	// ruleid: gk-obs-go-swallowed
	if err := db.Save(o); err != nil {
	}
	// ok: gk-obs-go-swallowed
	if err := db.Save(o); err != nil {
		log.Printf("save: %v", err)
	}
	// ruleid: gk-obs-go-swallowed
	defer func() {
		recover()
	}()
	// ok: gk-obs-go-swallowed
	defer func() {
		if r := recover(); r != nil {
			log.Println("panic", r)
		}
	}()
}

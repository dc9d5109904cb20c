package main

// doc is one document of the corpus: an id, a topic (metadata that
// queries filter on) and its text.
type doc struct {
	ID, Topic, Text string
}

// corpus is a small built-in corpus: eight topics, six or seven documents
// each. "db-07" is a planted near-duplicate of "db-01" (the same sentence,
// lightly reworded), and "garden-07" of "garden-02".
var corpus = []doc{
	{"db-01", "databases", "A transaction groups reads and writes so that they commit atomically or not at all."},
	{"db-02", "databases", "An index maps column values to rows so that lookups avoid scanning the whole table."},
	{"db-03", "databases", "Replication copies every write to several servers so that the data survives a failed disk."},
	{"db-04", "databases", "Optimistic concurrency control detects conflicting transactions at commit and retries them."},
	{"db-05", "databases", "A key-value store keeps sorted keys and answers range reads over a prefix."},
	{"db-06", "databases", "Backups and point-in-time recovery restore the database after an operator mistake."},
	{"db-07", "databases", "A transaction groups its reads and writes so that they commit atomically together, or not at all."},

	{"cook-01", "cooking", "Knead the bread dough for ten minutes, then let it rise until doubled in size."},
	{"cook-02", "cooking", "Simmer the tomato sauce slowly with garlic, basil and a splash of olive oil."},
	{"cook-03", "cooking", "Sear the steak in a very hot cast iron pan and let the meat rest before slicing."},
	{"cook-04", "cooking", "Whisk eggs with sugar and butter, fold in flour, and bake the cake at 180 degrees."},
	{"cook-05", "cooking", "Pickled cucumbers need vinegar, salt, dill and a few weeks in a cool cellar."},
	{"cook-06", "cooking", "Toast the spices in a dry pan before grinding them for the curry paste."},

	{"astro-01", "astronomy", "The telescope revealed the rings of Saturn and four moons of Jupiter."},
	{"astro-02", "astronomy", "A supernova is the explosion of a massive star at the end of its life."},
	{"astro-03", "astronomy", "Black holes bend light so strongly that nothing escapes past the event horizon."},
	{"astro-04", "astronomy", "The Milky Way galaxy holds hundreds of billions of stars and a central black hole."},
	{"astro-05", "astronomy", "Comets grow bright tails of gas and dust when their orbit brings them near the Sun."},
	{"astro-06", "astronomy", "Astronomers measure the distance to nearby stars by parallax over a year."},

	{"sport-01", "sports", "The striker scored twice in the second half and the team won the football match."},
	{"sport-02", "sports", "Marathon runners train for months, building endurance with long slow runs."},
	{"sport-03", "sports", "The tennis final went to five sets before the champion served out the match."},
	{"sport-04", "sports", "Cyclists climbed the mountain pass in the rain during the hardest stage of the tour."},
	{"sport-05", "sports", "The swimmer broke the world record in the 200 metre freestyle race."},
	{"sport-06", "sports", "Basketball players practise free throws every day to improve their shooting."},

	{"music-01", "music", "The orchestra tuned to the oboe before the symphony began."},
	{"music-02", "music", "A jazz trio improvised over the chord changes of an old standard."},
	{"music-03", "music", "Practise guitar scales slowly with a metronome, then raise the tempo."},
	{"music-04", "music", "The choir sang the requiem in four-part harmony under the cathedral dome."},
	{"music-05", "music", "Vinyl records and analog synthesizers came back into fashion with young producers."},
	{"music-06", "music", "The pianist played the sonata from memory, with delicate control of the pedal."},

	{"garden-01", "gardening", "Plant tomato seedlings after the last frost and water them deeply at the roots."},
	{"garden-02", "gardening", "Compost kitchen scraps and fallen leaves to feed the soil of the vegetable garden."},
	{"garden-03", "gardening", "Prune the roses in late winter, cutting just above an outward-facing bud."},
	{"garden-04", "gardening", "Mulch keeps the soil moist and suppresses weeds between the rows of beans."},
	{"garden-05", "gardening", "Bees and butterflies pollinate the flowers of the fruit trees in spring."},
	{"garden-06", "gardening", "Divide overgrown perennials in autumn and replant the pieces in fresh soil."},
	{"garden-07", "gardening", "Compost kitchen scraps and fallen autumn leaves to feed the soil of your vegetable garden."},

	{"travel-01", "travel", "The night train crossed the Alps and arrived in Vienna early in the morning."},
	{"travel-02", "travel", "Pack light: a carry-on bag, a rain jacket and comfortable walking shoes."},
	{"travel-03", "travel", "The ferry to the islands leaves the harbour twice a day in summer."},
	{"travel-04", "travel", "Book the hostel early, because rooms in the old town fill up during the festival."},
	{"travel-05", "travel", "A passport must be valid for six months to enter many countries."},
	{"travel-06", "travel", "Hikers follow the coastal trail from village to village along the cliffs."},

	{"code-01", "programming", "Goroutines and channels make concurrent programs in Go easy to write."},
	{"code-02", "programming", "Unit tests catch regressions before a change is merged into the main branch."},
	{"code-03", "programming", "A compiler parses source code into a syntax tree and generates machine code."},
	{"code-04", "programming", "Profile the program to find the hot loop before optimising anything."},
	{"code-05", "programming", "A mutex protects shared memory from a data race between threads."},
	{"code-06", "programming", "Version control records every change to the source code and who made it."},
}

package vips

// FindLoader exposes findLoader to the external tests.
var FindLoader = findLoader

// GuessLoad exposes guessLoad to the external tests.
var GuessLoad = guessLoad

"""Survey links, what a survey page needs, and the customers' answers."""

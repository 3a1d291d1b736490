package ui

import "net/http"

// about.go: being written.
func (s *Server) about(r *http.Request) (string, any, error) { return "", nil, errNotBuilt }

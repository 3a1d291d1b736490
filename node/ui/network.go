package ui

import "net/http"

// network.go: being written.
func (s *Server) network(r *http.Request) (string, any, error) { return "", nil, errNotBuilt }
func (s *Server) connect(r *http.Request) (string, error)      { return "", errNotBuilt }
func (s *Server) syncNow(r *http.Request) (string, error)      { return "", errNotBuilt }

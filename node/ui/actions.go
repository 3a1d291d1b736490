package ui

import "net/http"

// actions.go: being written.
func (s *Server) accept(r *http.Request) (string, error)        { return "", errNotBuilt }
func (s *Server) react(r *http.Request) (string, error)         { return "", errNotBuilt }
func (s *Server) editForm(r *http.Request) (string, any, error) { return "", nil, errNotBuilt }
func (s *Server) edit(r *http.Request) (string, error)          { return "", errNotBuilt }

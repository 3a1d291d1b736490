package ui

import "net/http"

// people.go: being written.
func (s *Server) people(r *http.Request) (string, any, error)   { return "", nil, errNotBuilt }
func (s *Server) person(r *http.Request) (string, any, error)   { return "", nil, errNotBuilt }
func (s *Server) settings(r *http.Request) (string, any, error) { return "", nil, errNotBuilt }
func (s *Server) setProfile(r *http.Request) (string, error)    { return "", errNotBuilt }

package ui

import "net/http"

// events.go: being written.
func (s *Server) events(r *http.Request) (string, any, error) { return "", nil, errNotBuilt }
func (s *Server) newEvent(r *http.Request) (string, error)    { return "", errNotBuilt }
func (s *Server) rsvp(r *http.Request) (string, error)        { return "", errNotBuilt }

package ui

import "net/http"

// notes.go: being written.
func (s *Server) notes(r *http.Request) (string, any, error)    { return "", nil, errNotBuilt }
func (s *Server) newNote(r *http.Request) (string, error)       { return "", errNotBuilt }
func (s *Server) promote(r *http.Request) (string, error)       { return "", errNotBuilt }
func (s *Server) note(r *http.Request) (string, any, error)     { return "", nil, errNotBuilt }
func (s *Server) noteEdit(r *http.Request) (string, any, error) { return "", nil, errNotBuilt }
func (s *Server) revise(r *http.Request) (string, error)        { return "", errNotBuilt }
func (s *Server) noteDiff(r *http.Request) (string, any, error) { return "", nil, errNotBuilt }

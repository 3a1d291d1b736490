package ui

import "net/http"

// admin.go: being written.
func (s *Server) admin(r *http.Request) (string, any, error)    { return "", nil, errNotBuilt }
func (s *Server) invite(w http.ResponseWriter, r *http.Request) { s.fail(w, errNotBuilt) }
func (s *Server) revokeInvite(r *http.Request) (string, error)  { return "", errNotBuilt }
func (s *Server) setRole(r *http.Request) (string, error)       { return "", errNotBuilt }
func (s *Server) deleteRecord(r *http.Request) (string, error)  { return "", errNotBuilt }
func (s *Server) hideRecord(r *http.Request) (string, error)    { return "", errNotBuilt }

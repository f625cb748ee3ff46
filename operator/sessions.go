package operator

import "github.com/postload/postload/internal/websession"

// sessions are the operator's sign-ins (see websession.Store): the
// session knows nothing but that the operator signed in.
type sessions = websession.Store[struct{}]

// session is one sign-in of the operator.
type session = websession.Session[struct{}]

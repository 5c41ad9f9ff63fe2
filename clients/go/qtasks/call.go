package qtasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
)

// Call is one run of a task, as a handler sees it.
type Call struct {
	// Task is the task as leased (status process, Attempt counting this run).
	Task Task

	parseOnce sync.Once
	args      []json.RawMessage
	kwargs    map[string]json.RawMessage
	parseErr  error
}

// ArgumentError is a task's args or kwargs that do not fit the handler. It is reported as a
// non-retryable failure of type "TypeError" (another attempt would get the same arguments).
type ArgumentError struct {
	// Field is "args", "args[i]", "kwargs" or "kwargs.name".
	Field string
	// Err says what is wrong.
	Err error
}

// Error implements error.
func (e *ArgumentError) Error() string { return fmt.Sprintf("%s: %v", e.Field, e.Err) }

// Unwrap returns the underlying error.
func (e *ArgumentError) Unwrap() error { return e.Err }

// ErrorType reports the failure as a "TypeError", as Python does for a call with wrong arguments.
func (e *ArgumentError) ErrorType() string { return "TypeError" }

// Retryable is false: another attempt would get the same arguments.
func (e *ArgumentError) Retryable() bool { return false }

// ID is the task's id.
func (c *Call) ID() string { return c.Task.ID }

// Name is the task's name.
func (c *Call) Name() string { return c.Task.Name }

// Attempt is this run's attempt number: 1 for the first run, 2 for the first retry, and so on.
func (c *Call) Attempt() int32 { return c.Task.Attempt }

func (c *Call) parse() error {
	c.parseOnce.Do(func() {
		if len(c.Task.Args) > 0 {
			if err := json.Unmarshal(c.Task.Args, &c.args); err != nil {
				c.parseErr = &ArgumentError{Field: "args", Err: fmt.Errorf("not a JSON array: %w", err)}
				return
			}
		}
		if len(c.Task.Kwargs) > 0 && !bytes.Equal(bytes.TrimSpace(c.Task.Kwargs), []byte("null")) {
			if err := json.Unmarshal(c.Task.Kwargs, &c.kwargs); err != nil {
				c.parseErr = &ArgumentError{Field: "kwargs", Err: fmt.Errorf("not a JSON object: %w", err)}
			}
		}
	})
	return c.parseErr
}

// NumArgs is the number of positional arguments (0 if they are not a JSON array).
func (c *Call) NumArgs() int {
	if c.parse() != nil {
		return 0
	}
	return len(c.args)
}

// Args returns the positional arguments, each as raw JSON.
func (c *Call) Args() ([]json.RawMessage, error) {
	if err := c.parse(); err != nil {
		return nil, err
	}
	return c.args, nil
}

// Bind decodes the positional arguments into dst, one pointer per argument, as json.Unmarshal
// does: `var a, b int; err := call.Bind(&a, &b)`. The number of arguments must match; a mismatch
// or a value of the wrong type is an [*ArgumentError].
func (c *Call) Bind(dst ...any) error {
	if err := c.parse(); err != nil {
		return err
	}
	if len(c.args) != len(dst) {
		return &ArgumentError{Field: "args", Err: fmt.Errorf("%s takes %d positional arguments but %d were given", c.Task.Name, len(dst), len(c.args))}
	}
	for i := range dst {
		if err := c.Arg(i, dst[i]); err != nil {
			return err
		}
	}
	return nil
}

// Arg decodes positional argument i into dst; an index out of range or a value of the wrong type
// is an [*ArgumentError].
func (c *Call) Arg(i int, dst any) error {
	if err := c.parse(); err != nil {
		return err
	}
	field := fmt.Sprintf("args[%d]", i)
	if i < 0 || i >= len(c.args) {
		return &ArgumentError{Field: field, Err: fmt.Errorf("missing: %d positional arguments were given", len(c.args))}
	}
	if err := json.Unmarshal(c.args[i], dst); err != nil {
		return &ArgumentError{Field: field, Err: err}
	}
	return nil
}

// Kwargs decodes the keyword arguments (a JSON object) into dst, e.g. a struct with json tags or
// a map; a value of the wrong type is an [*ArgumentError].
func (c *Call) Kwargs(dst any) error {
	if err := c.parse(); err != nil {
		return err
	}
	raw := []byte("{}")
	if len(c.Task.Kwargs) > 0 {
		raw = c.Task.Kwargs
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return &ArgumentError{Field: "kwargs", Err: err}
	}
	return nil
}

// Kwarg decodes the keyword argument name into dst; it reports false (and leaves dst alone) when
// there is none.
func (c *Call) Kwarg(name string, dst any) (bool, error) {
	if err := c.parse(); err != nil {
		return false, err
	}
	raw, ok := c.kwargs[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return true, &ArgumentError{Field: "kwargs." + name, Err: err}
	}
	return true, nil
}

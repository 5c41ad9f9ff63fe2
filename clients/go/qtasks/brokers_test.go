package qtasks_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/qtasks/qtasks-broker/clients/go/qtasks"
)

// Two real brokers, each on an LMDB store of its own, stand in for brokers that share one store
// (issue 14): what is tested is the client's failover, so each task is looked up on the broker
// that must have served it.
func TestSeveralBrokersFailOver(t *testing.T) {
	ctx := testContext(t, 60*time.Second)
	first, second := startTestBroker(t), startTestBroker(t)
	client := dial(t, first.addr+","+second.addr)
	name := unique(t, "double")
	worker := qtasks.NewWorker(client, qtasks.WorkerOptions{Concurrency: 2, LeaseWait: time.Second})
	worker.Handle(name, func(ctx context.Context, call *qtasks.Call) (any, error) {
		var x int
		if err := call.Bind(&x); err != nil {
			return nil, err
		}
		return 2 * x, nil
	})
	runWorker(t, worker)

	run := func(x int) (qtasks.Task, error) {
		tasks, err := client.Enqueue(ctx, qtasks.Spec{Name: name, Args: []any{x}})
		if err != nil {
			return qtasks.Task{}, err
		}
		done, err := client.WaitAll(ctx, []string{tasks[0].ID}, 1)
		if err != nil {
			return qtasks.Task{}, err
		}
		return done[0], nil
	}
	before, err := run(1)
	if err != nil {
		t.Fatal(err)
	}
	onFirst := dial(t, first.addr)
	if stored, err := onFirst.Get(ctx, before.ID); err != nil || stored.Status != qtasks.StatusSuccess {
		t.Fatalf("the first broker has the first task as %v (%v), want success", stored.Status, err)
	}

	first.stop()
	// Calls on the dead broker's connection fail; the next ones, and the worker's stream, go to the second.
	var after qtasks.Task
	for {
		if after, err = run(2); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no task ran after the first broker died: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var result int
	if err := after.DecodeResult(&result); err != nil || result != 4 {
		t.Fatalf("the task after the failover ended %s with %d (%v), want success with 4", after.Status, result, err)
	}
	onSecond := dial(t, second.addr)
	if stored, err := onSecond.Get(ctx, after.ID); err != nil || stored.Status != qtasks.StatusSuccess {
		t.Fatalf("the second broker has the task as %v (%v), want success", stored.Status, err)
	}
}

func TestSeveralBrokerAddressesAreCheckedOneByOne(t *testing.T) {
	_, err := qtasks.Dial("127.0.0.1:50051,nowhere")
	if err == nil || !strings.Contains(err.Error(), `broker address "nowhere" is not HOST:PORT`) {
		t.Fatalf("Dial of a list with a bad entry: %v, want it named", err)
	}
}

func TestSeveralBrokerAddressesTakeATLSServerNameAndGRPCTargets(t *testing.T) {
	// The caller's TLS config names the server: that name is the connection's authority.
	client, err := qtasks.Dial("127.0.0.1:1,127.0.0.1:2", qtasks.WithTLS(&tls.Config{ServerName: "broker.test", MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatalf("Dial of two addresses with a TLS server name: %v", err)
	}
	_ = client.Close()
	// A gRPC target of its own, commas and all, is taken whole, as before.
	client, err = qtasks.Dial("ipv4:127.0.0.1:1,127.0.0.1:2")
	if err != nil {
		t.Fatalf("Dial of an ipv4: target: %v", err)
	}
	_ = client.Close()
}

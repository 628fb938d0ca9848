package firehose

import (
	"context"
)

// Delete implements DeleteDeliveryStream: the stream goes DELETING and is
// removed, with its stored records, by the lifecycle controller.
func (s *Service) Delete(ctx context.Context, c Caller, name string, allowForce bool) error {
	_, err := s.modify(ctx, c, name, func(ds *DeliveryStream) error {
		switch ds.Status {
		case StatusCreating:
			return newError(ErrInUse, "Firehose %s under account %s is in CREATING state and cannot be deleted.", name, c.AccountID)
		case StatusDeleting:
			return nil // repeated deletes succeed
		case StatusDeletingFailed:
			if !allowForce {
				// A retry without force tries the cleanup again.
				ds.Failure = nil
			}
		}
		ds.Status = StatusDeleting
		ds.DueAt = s.now().Add(s.cfg.DeleteDelay)
		ds.ForceDelete = ds.ForceDelete || allowForce
		return nil
	})
	if err != nil {
		return err
	}
	s.ctl.kick()
	return nil
}

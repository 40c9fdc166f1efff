//! What a layer inside the model computes: Keras's
//! `Model(inputs=model.input, outputs=model.get_layer(name).output).predict(x)`, for looking at a
//! convnet's feature maps.

use super::Sequential;
use crate::{Result, Tensor};

impl Sequential {
    /// The output of layer `name` (after its activation) for the batch `x`, in inference mode
    /// (Dropout off, BatchNormalization's moving statistics): shape `(batch, …)` as the summary
    /// lists it for that layer. An unknown name is an error listing the model's layers.
    ///
    /// ```
    /// # use snackml::prelude::*;
    /// let mut model = Sequential::with_seed(1);
    /// model.add(Conv2D::new(4, 3).input_shape(&[8, 8, 3]).activation(Activation::Relu))?;
    /// model.add(Flatten::new())?;
    /// model.add(Dense::new(2))?;
    /// let maps = model.layer_output(&Tensor::zeros(vec![1, 8, 8, 3]), "conv2d")?;
    /// assert_eq!(maps.shape(), &[1, 6, 6, 4]);
    /// assert!(model.layer_output(&Tensor::zeros(vec![1, 8, 8, 3]), "conv2d_9").is_err());
    /// # Ok::<(), snackml::Error>(())
    /// ```
    pub fn layer_output(&self, x: &Tensor, name: &str) -> Result<Tensor> {
        self.get_layer(name)?;
        self.check_input(x)?;
        let mut h = x.clone();
        for node in &self.layers {
            let z = node.forward_inference(h)?;
            h = match node.separate_activation() {
                Some(activation) => activation.forward(z),
                None => z,
            };
            if node.name() == name {
                break;
            }
        }
        Ok(h)
    }
}
